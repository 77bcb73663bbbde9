/**
 * The notebook a running turn works in: where its new cells go, the cells it
 * inserted, and its waits for the user. Used by `NotebookExecutor`.
 */

import type { NotebookPanel } from '@jupyterlab/notebook';

import { cellIndex, replaceSource } from './cells';

/** The notebook a turn works in and where it inserts cells. */
export interface ITurnTarget {
  /** The turn's notebook. */
  panel: NotebookPanel;
  /** The first cell goes after this one (null or gone: at the end). */
  anchorId: string | null;
  /** The cell the turn inserted or acted on last: the next one goes after it. */
  lastId: string | null;
  /** The cell of the turn now running in the kernel, if any. */
  runningId: string | null;
  /** The run of the cell now running: the save at the end waits for it. */
  running: Promise<unknown> | null;
  /** Cells this turn inserted, in order. */
  inserted: string[];
  /** Cells the conversation's earlier turns wrote: run_code may replace them too. */
  written: readonly string[];
  /** The turn inserted or rewrote a cell: the notebook is saved at its end. */
  changed: boolean;
  /** Ends a wait for the user's approval (Stop, end of turn). */
  cancelWait: (() => void) | null;
}

/** The index of a cell in a panel's notebook (-1: not there). */
export function cellIndexOf(
  panel: NotebookPanel,
  cellId: string | null
): number {
  return cellIndex(panel.content.model, cellId);
}

/** Where the turn's next new cell goes: after its last cell, else its anchor, else at the end. */
export function insertionIndex(target: ITurnTarget): number {
  for (const id of [target.lastId, target.anchorId]) {
    const found = cellIndexOf(target.panel, id);
    if (found !== -1) {
      return found + 1;
    }
  }
  return target.panel.content.model?.cells.length ?? 0;
}

/** Insert a new cell, or replace the code of one this conversation inserted. */
export function placeCode(
  target: ITurnTarget,
  code: string,
  replaceCellId: string | null | undefined,
  newCellId?: string | null
): { cellId: string; index: number } {
  const { panel } = target;
  const model = panel.content.model;
  if (!model) {
    throw new Error(`The notebook ${panel.context.path} was closed.`);
  }
  if (replaceCellId) {
    if (
      !target.inserted.includes(replaceCellId) &&
      !target.written.includes(replaceCellId)
    ) {
      throw new Error(
        `The cell ${replaceCellId} was not inserted by this conversation: only cells this conversation inserted can be replaced. Use edit_cell for other cells, or run the code without cell_id to insert a new cell.`
      );
    }
    const index = cellIndexOf(panel, replaceCellId);
    if (index === -1) {
      throw new Error(
        `The cell ${replaceCellId} is no longer in ${panel.context.path} (the user deleted it). Run the code without cell_id to insert a new cell.`
      );
    }
    replaceSource(model, index, code);
    target.changed = true;
    return { cellId: replaceCellId, index };
  }
  const index = insertionIndex(target);
  // The id the server chose (and recorded for Undo), unless the notebook has it already.
  const id =
    newCellId && cellIndexOf(panel, newCellId) === -1 ? newCellId : undefined;
  model.sharedModel.insertCell(index, {
    cell_type: 'code',
    source: code,
    metadata: {},
    ...(id ? { id } : {})
  });
  target.changed = true;
  const cellId = model.cells.get(index).id;
  target.lastId = cellId;
  target.inserted.push(cellId);
  return { cellId, index };
}

/** Wait for the user's answer; the turn's Stop or end rejects the wait. */
export async function waitForDecision<T>(
  target: ITurnTarget,
  decision: Promise<T>
): Promise<T> {
  const stopped = new Promise<'stopped'>(resolve => {
    target.cancelWait = () => resolve('stopped');
  });
  try {
    const answer = await Promise.race([decision, stopped]);
    if (answer === 'stopped') {
      throw new Error('The turn was stopped before the cell ran.');
    }
    return answer as T;
  } finally {
    target.cancelWait = null;
  }
}
