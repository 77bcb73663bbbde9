/**
 * Finding and editing cells of a notebook model, for the executor (insert,
 * replace, undo of a turn).
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';

/** The index of the cell with this id, or -1 (no model, no id, no such cell). */
export function cellIndex(
  model: INotebookModel | null | undefined,
  cellId: string | null
): number {
  const cells = model?.cells;
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

/** Replace the source of the cell at `index`; a code cell loses its outputs and count. */
export function replaceSource(
  model: INotebookModel,
  index: number,
  source: string
): void {
  const shared = model.sharedModel.getCell(index);
  shared.transact(() => {
    shared.setSource(source);
    if (shared.cell_type === 'code') {
      (
        shared as unknown as { setOutputs(o: nbformat.IOutput[]): void }
      ).setOutputs([]);
      (
        shared as unknown as { execution_count: number | null }
      ).execution_count = null;
    }
  });
}

/** Delete the cells with these ids from a notebook model; returns how many. */
export function deleteCells(
  model: INotebookModel,
  cellIds: readonly string[]
): number {
  if (cellIds.length === 0) {
    return 0;
  }
  const wanted = new Set(cellIds);
  const indices: number[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    if (wanted.has(model.cells.get(i).id)) {
      indices.push(i);
    }
  }
  // From the end, so that the indices still to delete stay valid.
  for (const index of indices.reverse()) {
    model.sharedModel.deleteCell(index);
  }
  if (indices.length > 0 && model.sharedModel.cells.length === 0) {
    // Like JupyterLab's own delete: a notebook keeps at least one cell.
    model.sharedModel.insertCell(0, { cell_type: 'code', source: '' });
  }
  return indices.length;
}

/** The outputs of the code cell with this id, or null when there is no such code cell. */
export function cellOutputs(
  model: INotebookModel | null | undefined,
  cellId: string | null
): nbformat.IOutput[] | null {
  const index = cellIndex(model, cellId);
  if (!model || index === -1) {
    return null;
  }
  const cell = model.sharedModel.getCell(index).toJSON();
  return cell.cell_type === 'code'
    ? ((cell as nbformat.ICodeCell).outputs ?? [])
    : null;
}
