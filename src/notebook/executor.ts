import { CodeCell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { notebookAction, restoreCells } from './actions';
import { deleteCells } from './cells';
import { notebookContext } from './context';
import type { KernelInspector } from './inspector';
import type { KernelSetup } from './kernelSetup';
import { KernelWarmup } from './kernelWarmup';
import { saveNotebook, SelectionMemory, turnAnchor } from './placement';
import {
  CellRunner,
  ICellRunOutcome,
  kernelOf,
  outputsForModel,
  readySession,
  runCellIn
} from './run';
import type {
  IExecutionResult,
  INotebookActionFrame,
  INotebookActionResult,
  INotebookContext,
  IRestoreCell
} from '../protocol';
import {
  cellIndexOf,
  insertionIndex,
  ITurnTarget,
  placeCode,
  waitForDecision
} from './turnTarget';
import type {
  IExecuteOptions,
  INotebookActionOptions,
  INotebookExecutor,
  ITurnPlacement
} from './tokens';

export type { CellRunner } from './run';

/**
 * Runs code as new cells of a turn's notebook, in that notebook's kernel
 * session; results are compacted for the model.
 */
export class NotebookExecutor implements INotebookExecutor {
  /**
   * Create an executor: `setup` prepares each kernel before its first cell,
   * `inspector` reads kernel state for the turn context, `findPanel` finds an
   * open notebook by path (for undo).
   */
  constructor(options: NotebookExecutor.IOptions = {}) {
    this._setup = options.setup ?? null;
    this._inspector = options.inspector ?? null;
    this._warmup = new KernelWarmup(this._setup, this._inspector);
    this._findPanel = options.findPanel ?? null;
    this._runCell =
      options.runCell ?? ((cell, ctx) => CodeCell.execute(cell, ctx));
  }

  /** Capture the notebook a turn works in and where its cells go (`turnAnchor`). */
  beginTurn(
    turnId: string,
    panel: NotebookPanel,
    placement: ITurnPlacement = {}
  ): void {
    this._turns.set(turnId, {
      panel,
      anchorId: turnAnchor(panel, placement.written ?? [], this._selections),
      lastId: null,
      runningId: null,
      running: null,
      inserted: [],
      written: placement.written ?? [],
      changed: false,
      cancelWait: null
    });
    this._panels.set(panel.context.path, panel);
  }

  /**
   * Insert the code as a new cell (or replace the code of a cell this turn
   * inserted), wait for the user's approval when asked to, run it and return
   * its compacted outputs.
   */
  async execute(
    turnId: string,
    code: string,
    options: IExecuteOptions
  ): Promise<IExecutionResult> {
    const target = await this._readyTarget(turnId);
    const { panel } = target;
    const path = panel.context.path;
    const { cellId, index } = placeCode(
      target,
      code,
      options.replaceCellId,
      options.cellId
    );
    options.onInserted?.(cellId, index);
    const cell = panel.content.widgets.find(w => w.model.id === cellId);
    if (!(cell instanceof CodeCell)) {
      throw new Error(`The new cell could not be found in ${path}.`);
    }
    if (panel.isVisible) {
      void panel.content.scrollToCell(cell).catch(() => undefined);
    }
    if (options.approve) {
      const decision = await waitForDecision(
        target,
        options.approve(cellId, index)
      );
      this._checkRunning(turnId);
      if (cell.isDisposed || cellIndexOf(panel, cellId) === -1) {
        throw new Error(`The cell was deleted from ${path} before it ran.`);
      }
      if (decision === 'skip') {
        return {
          outputs: [],
          executionCount: null,
          cellId,
          cellIndex: cellIndexOf(panel, cellId),
          skipped: true
        };
      }
    }
    // The user may have edited the cell while it waited for approval.
    const ran = cell.model.sharedModel.getSource();
    const outcome = await this._run(turnId, target, cell);
    const finalIndex = cellIndexOf(panel, cellId);
    return {
      outputs: await outputsForModel(outcome.outputs, options.outputLimit),
      executionCount: outcome.executionCount,
      cellId,
      cellIndex: finalIndex === -1 ? index : finalIndex,
      ...(ran !== code ? { code: ran } : {})
    };
  }

  /**
   * Carry out a `notebook_request` of a turn on its notebook (edit, run,
   * read, insert Markdown, delete; see `notebookAction`); a change asked for
   * review waits for `options.review`. Rejects with a message for the model.
   */
  async act(
    turnId: string,
    frame: INotebookActionFrame,
    options: INotebookActionOptions
  ): Promise<INotebookActionResult> {
    const target = await this._readyTarget(turnId);
    const { panel } = target;
    const review = options.review;
    return notebookAction(
      {
        panel,
        outputLimit: options.outputLimit,
        run: async cell => {
          this._checkRunning(turnId);
          return this._run(turnId, target, cell);
        },
        review: review
          ? async change => {
              const decision = await waitForDecision(target, review(change));
              this._checkRunning(turnId);
              return decision;
            }
          : undefined,
        insertionIndex: () => insertionIndex(target),
        changed: lastId => {
          target.changed = true;
          if (lastId) {
            target.lastId = lastId;
          }
        }
      },
      frame
    );
  }

  /**
   * Undo of a turn in a notebook (panel or path): put back the cells it
   * edited or deleted (newest change first), delete the cells it inserted,
   * then save once. Returns how many cells were removed and restored.
   */
  undoCells(
    notebook: NotebookPanel | string,
    removeCellIds: readonly string[],
    restore: readonly IRestoreCell[]
  ): { removed: number; restored: number } {
    const panel =
      typeof notebook === 'string' ? this._panelAt(notebook) : notebook;
    const model = panel && !panel.isDisposed ? panel.content.model : null;
    if (!panel || !model) {
      return { removed: 0, restored: 0 };
    }
    // Restored first: the indices of deleted cells were taken with the turn's cells there.
    const restored = restoreCells(model, restore);
    const removed = deleteCells(model, removeCellIds);
    if (removed + restored > 0) {
      // The selection moved because cells changed, not because the user moved it.
      this._selections.remember(panel);
      void saveNotebook(panel);
    }
    return { removed, restored };
  }

  /** Interrupt the kernel if a cell of this turn runs; end a wait for approval. */
  async interrupt(turnId: string): Promise<void> {
    const target = this._turns.get(turnId);
    target?.cancelWait?.();
    const kernel = target?.panel.sessionContext.session?.kernel;
    if (target?.runningId && kernel) {
      await kernel.interrupt();
    }
  }

  /**
   * Forget a finished turn (a wait for approval ends). A turn that changed
   * its notebook saves it (through the document's context, so that
   * JupyterLab's check for changes on disk still holds) once its last cell
   * is done: a reload then finds the cells the conversation describes.
   */
  endTurn(turnId: string): void {
    const target = this._turns.get(turnId);
    target?.cancelWait?.();
    this._turns.delete(turnId);
    if (target?.changed) {
      const running = target.running ?? Promise.resolve();
      void running
        .catch(() => undefined)
        .then(() => saveNotebook(target.panel));
    }
  }

  /** Ids of the cells a running turn inserted, in order. */
  insertedCells(turnId: string): string[] {
    return [...(this._turns.get(turnId)?.inserted ?? [])];
  }

  /** Delete these cells from a notebook (panel or path); returns how many. */
  removeCells(
    notebook: NotebookPanel | string,
    cellIds: readonly string[]
  ): number {
    return this.undoCells(notebook, cellIds, []).removed;
  }

  /** The notebook and its kernel as a turn starts; never rejects. */
  async notebookContext(
    panel: NotebookPanel,
    options: { outputLimit: number }
  ): Promise<INotebookContext> {
    try {
      // The kernel setup (matplotlib's font, ~0.3 s) is not started here: the
      // first cell runs it. Started now, it would hold up the inspection of a
      // turn sent right after a text-only answer.
      return await notebookContext(panel, {
        outputLimit: options.outputLimit,
        inspector: this._inspector
      });
    } catch (reason) {
      console.warn('jupyter-code-interp: no notebook context.', reason);
      return { cells: [], activeIndex: -1, kernel: null };
    }
  }

  /**
   * Get a notebook's kernel ready for turns in the background (see
   * `KernelWarmup.watch`).
   */
  prepare(panel: NotebookPanel): void {
    this._warmup.watch(panel);
    this._selections.see(panel);
  }

  /** The turn's target once its session is ready; rejects with a message for the model. */
  private async _readyTarget(turnId: string): Promise<ITurnTarget> {
    const target = this._turns.get(turnId);
    if (!target) {
      throw new Error('This turn has no target notebook any more.');
    }
    await readySession(target.panel, () => this._checkRunning(turnId));
    return target;
  }

  /** Run a cell of the turn's notebook in its kernel, prepared first. */
  private async _run(
    turnId: string,
    target: ITurnTarget,
    cell: CodeCell
  ): Promise<ICellRunOutcome> {
    const { panel } = target;
    const kernel = kernelOf(panel);
    if (this._setup) {
      await this._setup.prepare(kernel);
      this._checkRunning(turnId);
    }
    target.runningId = cell.model.id;
    try {
      return await runCellIn({
        cell,
        sessionContext: panel.sessionContext,
        kernel,
        runCell: this._runCell,
        isClosed: () => panel.isDisposed,
        closed: `The notebook ${panel.context.path} was closed.`,
        path: panel.context.path,
        started: run => {
          target.running = run;
        }
      });
    } finally {
      target.runningId = null;
    }
  }

  private _checkRunning(turnId: string): void {
    if (!this._turns.has(turnId)) {
      throw new Error('The turn ended before the code could run.');
    }
  }

  private _panelAt(path: string): NotebookPanel | null {
    const known = this._panels.get(path);
    if (known && !known.isDisposed && known.context.path === path) {
      return known;
    }
    this._panels.delete(path);
    return this._findPanel?.(path) ?? null;
  }

  private _turns = new Map<string, ITurnTarget>();
  private _selections = new SelectionMemory();
  private _panels = new Map<string, NotebookPanel>();
  private _setup: KernelSetup | null;
  private _inspector: KernelInspector | null;
  private _warmup: KernelWarmup;
  private _findPanel: ((path: string) => NotebookPanel | null) | null;
  private _runCell: CellRunner;
}

/** Namespace for `NotebookExecutor` types. */
export namespace NotebookExecutor {
  /** Construction options. */
  export interface IOptions {
    /** Prepares each kernel before the first cell runs in it. */
    setup?: KernelSetup;
    /** Reads the kernel's state for the turn context. */
    inspector?: KernelInspector;
    /** Finds an open notebook by path (undo of a turn). */
    findPanel?: (path: string) => NotebookPanel | null;
    /** Runs a cell (default `CodeCell.execute`). */
    runCell?: CellRunner;
  }
}
