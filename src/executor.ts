import { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { KernelSetup } from './kernelSetup';
import { compactOutputs } from './outputs';
import type { IExecutionResult } from './protocol';
import type { IExecuteOptions, INotebookExecutor } from './tokens';

/** How long to wait for a notebook's session to be ready, in ms. */
const SESSION_READY_TIMEOUT = 60000;

/** The notebook a turn works in and where it inserts cells. */
interface ITurnTarget {
  panel: NotebookPanel;
  anchorId: string | null;
  anchorIndex: number;
  lastId: string | null;
  runningId: string | null;
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise(resolve => setTimeout(() => resolve('timeout'), ms));
}

function cellIndexOf(panel: NotebookPanel, cellId: string | null): number {
  const cells = panel.content.model?.cells;
  if (!cells || cellId === null) {
    return -1;
  }
  for (let i = 0; i < cells.length; i++) {
    if (cells.get(i).id === cellId) {
      return i;
    }
  }
  return -1;
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Runs code as new cells of a turn's notebook, in that notebook's kernel
 * session; results are compacted for the model.
 */
export class NotebookExecutor implements INotebookExecutor {
  /** Create an executor; `setup` prepares each kernel before its first cell. */
  constructor(options: { setup?: KernelSetup } = {}) {
    this._setup = options.setup ?? null;
  }

  /** Capture the notebook (and its active cell) a turn works in. */
  beginTurn(turnId: string, panel: NotebookPanel): void {
    const active = panel.content.activeCell;
    this._turns.set(turnId, {
      panel,
      anchorId: active?.model.id ?? null,
      anchorIndex: panel.content.activeCellIndex,
      lastId: null,
      runningId: null
    });
  }

  /** Insert the code as a new cell, run it, return its compacted outputs. */
  async execute(
    turnId: string,
    code: string,
    options: IExecuteOptions
  ): Promise<IExecutionResult> {
    const target = this._turns.get(turnId);
    if (!target) {
      throw new Error('This turn has no target notebook any more.');
    }
    const { panel } = target;
    const path = panel.context.path;
    const closed = `The notebook ${path} was closed.`;
    if (panel.isDisposed) {
      throw new Error(closed);
    }
    const sessionContext = panel.sessionContext;
    const ready = await Promise.race([
      sessionContext.ready,
      timeout(SESSION_READY_TIMEOUT)
    ]);
    if (panel.isDisposed || sessionContext.isDisposed) {
      throw new Error(closed);
    }
    if (!this._turns.has(turnId)) {
      throw new Error('The turn ended before the code could run.');
    }
    if (ready === 'timeout') {
      throw new Error(`The kernel session of ${path} did not become ready.`);
    }
    const kernel = sessionContext.session?.kernel;
    if (!kernel) {
      throw new Error(
        `The notebook ${path} has no kernel. Ask the user to select a kernel for it.`
      );
    }
    if (kernel.status === 'dead') {
      throw new Error(
        `The kernel of ${path} is dead. Ask the user to restart it.`
      );
    }
    if (this._setup) {
      await this._setup.prepare(kernel);
      if (!this._turns.has(turnId)) {
        throw new Error('The turn ended before the code could run.');
      }
    }
    const model = panel.content.model;
    if (!model) {
      throw new Error(closed);
    }
    const index = this._insertionIndex(target);
    model.sharedModel.insertCell(index, {
      cell_type: 'code',
      source: code,
      metadata: {}
    });
    const cellId = model.cells.get(index).id;
    target.lastId = cellId;
    options.onInserted?.(cellId, index);
    const cell = panel.content.widgets.find(w => w.model.id === cellId);
    if (!(cell instanceof CodeCell)) {
      throw new Error(`The new cell could not be found in ${path}.`);
    }
    if (panel.isVisible) {
      void panel.content.scrollToCell(cell).catch(() => undefined);
    }
    target.runningId = cellId;
    let reply: Awaited<ReturnType<typeof CodeCell.execute>>;
    try {
      reply = await CodeCell.execute(cell, sessionContext);
    } catch (reason) {
      throw new Error(`The execution was interrupted: ${messageOf(reason)}`);
    } finally {
      target.runningId = null;
    }
    if (cell.isDisposed) {
      throw new Error(`The cell was deleted from ${path} while it ran.`);
    }
    const outputs = cell.model.outputs.toJSON();
    const content = reply ? reply.content : null;
    if (content?.status === 'aborted') {
      throw new Error('The kernel aborted the execution.');
    }
    if (
      content?.status === 'error' &&
      !outputs.some(o => o.output_type === 'error')
    ) {
      outputs.push({
        output_type: 'error',
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback
      } as nbformat.IError);
    }
    const finalIndex = cellIndexOf(panel, cellId);
    return {
      outputs: compactOutputs(outputs, { outputLimit: options.outputLimit }),
      executionCount: cell.model.executionCount ?? null,
      cellId,
      cellIndex: finalIndex === -1 ? index : finalIndex
    };
  }

  /** Interrupt the kernel if a cell of this turn is running. */
  async interrupt(turnId: string): Promise<void> {
    const target = this._turns.get(turnId);
    const kernel = target?.panel.sessionContext.session?.kernel;
    if (target?.runningId && kernel) {
      await kernel.interrupt();
    }
  }

  /** Forget a finished turn. */
  endTurn(turnId: string): void {
    this._turns.delete(turnId);
  }

  private _insertionIndex(target: ITurnTarget): number {
    const count = target.panel.content.model?.cells.length ?? 0;
    for (const id of [target.lastId, target.anchorId]) {
      const found = cellIndexOf(target.panel, id);
      if (found !== -1) {
        return found + 1;
      }
    }
    return target.anchorIndex >= 0
      ? Math.min(target.anchorIndex + 1, count)
      : count;
  }

  private _turns = new Map<string, ITurnTarget>();
  private _setup: KernelSetup | null;
}
