/**
 * The model's actions on existing cells of a turn's notebook
 * (`notebook_request`, docs/protocol.md): edit, run, read, insert Markdown,
 * delete; and putting edited or deleted cells back on Undo.
 */

import { CodeCell, MarkdownCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';

import type {
  ICellBefore,
  ICellRun,
  INotebookActionFrame,
  INotebookActionResult,
  IRestoreCell
} from '../protocol';
import { cellIndex, deleteCells, replaceSource } from './cells';
import type { IProposedChange, IReviewDecision } from './review';
import { ICellRunOutcome, outputsForModel } from './run';

/** What an action needs from the executor's turn. */
export interface IActionContext {
  /** The turn's notebook. */
  panel: NotebookPanel;
  /** Characters of text output kept for the model (not for `read`). */
  outputLimit: number;
  /** Run a code cell in the notebook's kernel (setup, interrupt and save wait included). */
  run: (cell: CodeCell) => Promise<ICellRunOutcome>;
  /** Wait for the user's Accept or Reject (absent: changes are never applied unreviewed). */
  review?: (change: IProposedChange) => Promise<IReviewDecision>;
  /** Where a new cell of the turn goes now (index). */
  insertionIndex: () => number;
  /** The turn changed the notebook (saved at its end); `lastId`: new cells go after it. */
  changed: (lastId?: string) => void;
}

/** The kernel's language (from its spec, else Python's). */
function kernelLanguage(panel: NotebookPanel): string {
  const model = panel.content.model;
  const info = model?.getMetadata('language_info') as
    { name?: unknown } | undefined;
  const spec = model?.getMetadata('kernelspec') as
    { language?: unknown } | undefined;
  const name = info?.name ?? spec?.language;
  return typeof name === 'string' && name ? name : 'python';
}

/** A cell as it is now: what Undo needs to put it back. */
export function cellBefore(model: INotebookModel, index: number): ICellBefore {
  const cell = model.sharedModel.getCell(index).toJSON();
  const code = cell.cell_type === 'code' ? (cell as nbformat.ICodeCell) : null;
  const source = Array.isArray(cell.source)
    ? cell.source.join('')
    : cell.source;
  return {
    cellType: cell.cell_type as ICellBefore['cellType'],
    source,
    outputs: code?.outputs ?? [],
    executionCount: code?.execution_count ?? null,
    index
  };
}

/** The model of the turn's notebook, or an error for the model. */
function modelOf(panel: NotebookPanel): INotebookModel {
  const model = panel.isDisposed ? null : panel.content.model;
  if (!model) {
    throw new Error(`The notebook ${panel.context.path} was closed.`);
  }
  return model;
}

/** The index of an existing cell, or an error that names the id. */
function requireCell(panel: NotebookPanel, cellId: string | undefined): number {
  const index = cellIndex(modelOf(panel), cellId ?? null);
  if (index === -1) {
    throw new Error(
      `There is no cell with id "${cellId ?? ''}" in ${panel.context.path} (it may have been deleted). Use the ids of the notebook's cells as given in the context.`
    );
  }
  return index;
}

/** Mark a cell of the notebook (pending review); returns the unmark. */
function marker(panel: NotebookPanel, cellId: string) {
  return (label: string): (() => void) => {
    const cell = panel.content.widgets.find(w => w.model.id === cellId);
    if (!cell) {
      return () => undefined;
    }
    const badge = document.createElement('div');
    badge.className = 'jp-CodeInterp-pendingLabel';
    badge.textContent = label;
    cell.addClass('jp-CodeInterp-pendingReview');
    cell.node.insertBefore(badge, cell.node.firstChild);
    return () => {
      cell.removeClass('jp-CodeInterp-pendingReview');
      badge.remove();
    };
  };
}

/** Where a change to a cell stands once the user decided (or no review was asked). */
interface IDecided {
  model: INotebookModel;
  /** The cell's index now (it may have moved while the user decided). */
  index: number;
  /** `{accepted: true}` after a review, `{}` without one. */
  verdict: { accepted?: boolean };
  /** The result to send when the user rejected the change (else null). */
  rejected: INotebookActionResult | null;
}

/**
 * Show a change of `cellId` (its source to become `after`; '' for a
 * deletion) for review when `asked`, and wait for the user's decision.
 */
async function decide(
  ctx: IActionContext,
  kind: IProposedChange['kind'],
  cellId: string,
  after: string,
  asked: boolean
): Promise<IDecided> {
  const model = modelOf(ctx.panel);
  const at = requireCell(ctx.panel, cellId);
  let decision: IReviewDecision | null = null;
  if (asked) {
    if (!ctx.review) {
      throw new Error('The panel cannot show this change for review.');
    }
    const shown = cellBefore(model, at);
    decision = await ctx.review({
      kind,
      cellId,
      cellIndex: at,
      cellType: shown.cellType,
      before: shown.source,
      after,
      executionCount: shown.executionCount,
      language: kernelLanguage(ctx.panel),
      mark: marker(ctx.panel, cellId)
    });
  }
  // The user may have moved or deleted the cell while it waited.
  const index = requireCell(ctx.panel, cellId);
  const verdict = decision ? { accepted: decision.accepted } : {};
  if (!decision || decision.accepted) {
    return { model, index, verdict, rejected: null };
  }
  const comment = decision.comment ? { comment: decision.comment } : {};
  const rejected = { cellId, cellIndex: index, accepted: false, ...comment };
  return { model, index, verdict, rejected };
}

/** The code cell widget with this id (the notebook renders every cell it has). */
function widgetOf(panel: NotebookPanel, cellId: string) {
  return panel.content.widgets.find(w => w.model.id === cellId) ?? null;
}

/** Run one existing cell: a code cell in the kernel, a Markdown cell rendered. */
async function runOne(ctx: IActionContext, cellId: string): Promise<ICellRun> {
  const widget = widgetOf(ctx.panel, cellId);
  let outcome: ICellRunOutcome = { outputs: [], executionCount: null };
  if (widget instanceof CodeCell) {
    outcome = await ctx.run(widget);
  } else if (widget instanceof MarkdownCell) {
    widget.rendered = true;
  }
  const index = cellIndex(ctx.panel.content.model, cellId);
  return {
    cellId,
    cellIndex: index,
    outputs: await outputsForModel(outcome.outputs, ctx.outputLimit),
    executionCount: outcome.executionCount
  };
}

async function edit(
  ctx: IActionContext,
  frame: INotebookActionFrame
): Promise<INotebookActionResult> {
  const cellId = frame.cellId ?? '';
  const source = frame.source ?? '';
  const { model, index, verdict, rejected } = await decide(
    ctx,
    'edit',
    cellId,
    source,
    frame.review === true
  );
  if (rejected) {
    return rejected;
  }
  const before = cellBefore(model, index);
  replaceSource(model, index, source);
  ctx.changed();
  const result: INotebookActionResult = {
    cellId,
    cellIndex: index,
    ...verdict,
    before
  };
  if (frame.run) {
    const ran = await runOne(ctx, cellId);
    result.outputs = ran.outputs;
    result.executionCount = ran.executionCount;
    result.cellIndex = ran.cellIndex === -1 ? index : ran.cellIndex;
  }
  return result;
}

async function run(
  ctx: IActionContext,
  frame: INotebookActionFrame
): Promise<INotebookActionResult> {
  const ids = frame.cellIds ?? [];
  if (!ids.length) {
    throw new Error('No cells to run were named.');
  }
  ids.forEach(id => requireCell(ctx.panel, id));
  const runs: ICellRun[] = [];
  for (const id of ids) {
    requireCell(ctx.panel, id); // still there after the cells before it ran
    const ran = await runOne(ctx, id);
    runs.push(ran);
    if (ran.outputs.some(o => o.output_type === 'error')) {
      break; // later cells most likely need what this one failed to make
    }
  }
  const last = runs[runs.length - 1];
  return {
    cellId: last.cellId,
    cellIndex: last.cellIndex,
    runs,
    outputs: last.outputs,
    executionCount: last.executionCount
  };
}

async function read(
  ctx: IActionContext,
  frame: INotebookActionFrame
): Promise<INotebookActionResult> {
  const cellId = frame.cellId ?? '';
  const index = requireCell(ctx.panel, cellId);
  const before = cellBefore(modelOf(ctx.panel), index);
  return {
    cellId,
    cellIndex: index,
    // The model asked for all of it: the server pages it.
    outputs: await outputsForModel(before.outputs, Infinity),
    executionCount: before.executionCount
  };
}

function markdown(
  ctx: IActionContext,
  frame: INotebookActionFrame
): INotebookActionResult {
  const model = modelOf(ctx.panel);
  const index = frame.afterCellId
    ? requireCell(ctx.panel, frame.afterCellId) + 1
    : ctx.insertionIndex();
  // The id the server chose (and recorded for Undo), unless the notebook has it already.
  const wanted = frame.cellId;
  const id = wanted && cellIndex(model, wanted) === -1 ? wanted : undefined;
  model.sharedModel.insertCell(index, {
    cell_type: 'markdown',
    source: frame.source ?? '',
    metadata: {},
    ...(id ? { id } : {})
  });
  const cellId = model.cells.get(index).id;
  // Placed where the turn writes: its next code cell goes after it.
  ctx.changed(frame.afterCellId ? undefined : cellId);
  const widget = widgetOf(ctx.panel, cellId);
  if (widget instanceof MarkdownCell) {
    widget.rendered = true;
  }
  return { cellId, cellIndex: index };
}

async function remove(
  ctx: IActionContext,
  frame: INotebookActionFrame
): Promise<INotebookActionResult> {
  const cellId = frame.cellId ?? '';
  // Deletions are always reviewed, whatever the request says.
  const { model, index, rejected } = await decide(
    ctx,
    'delete',
    cellId,
    '',
    true
  );
  if (rejected) {
    return rejected;
  }
  const before = cellBefore(model, index);
  deleteCells(model, [cellId]);
  ctx.changed();
  return { cellId, cellIndex: index, accepted: true, before };
}

/** Carry out one `notebook_request`; rejects with a message for the model. */
export async function notebookAction(
  ctx: IActionContext,
  frame: INotebookActionFrame
): Promise<INotebookActionResult> {
  switch (frame.action) {
    case 'edit':
      return edit(ctx, frame);
    case 'run':
      return run(ctx, frame);
    case 'read':
      return read(ctx, frame);
    case 'markdown':
      return markdown(ctx, frame);
    case 'delete':
      return remove(ctx, frame);
    default:
      throw new Error(
        `Unknown notebook action "${String((frame as { action?: unknown }).action)}".`
      );
  }
}

/**
 * Put edited and deleted cells back as they were (Undo; `cells` newest
 * change first): edited cells get their source, outputs and count again,
 * deleted ones are inserted at their index. Returns how many were restored.
 */
export function restoreCells(
  model: INotebookModel,
  cells: readonly IRestoreCell[]
): number {
  let restored = 0;
  for (const { cellId, action, before } of cells) {
    const index = cellIndex(model, cellId);
    const code = before.cellType === 'code';
    if (action === 'edit' && index !== -1) {
      const shared = model.sharedModel.getCell(index);
      shared.transact(() => {
        shared.setSource(before.source);
        if (code && shared.cell_type === 'code') {
          const cell = shared as unknown as {
            setOutputs(o: nbformat.IOutput[]): void;
            execution_count: number | null;
          };
          cell.setOutputs(before.outputs ?? []);
          cell.execution_count = before.executionCount ?? null;
        }
      });
      restored += 1;
    } else if (action === 'delete' && index === -1) {
      const at = Math.max(0, Math.min(before.index, model.cells.length));
      model.sharedModel.insertCell(at, {
        cell_type: before.cellType,
        source: before.source,
        metadata: {},
        id: cellId,
        ...(code
          ? {
              outputs: before.outputs ?? [],
              execution_count: before.executionCount ?? null
            }
          : {})
      } as nbformat.ICell);
      restored += 1;
    }
  }
  return restored;
}
