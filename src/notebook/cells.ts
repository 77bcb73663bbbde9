/**
 * Edits of a notebook's cell list shared by the executor (undo of a turn).
 */

import type { INotebookModel } from '@jupyterlab/notebook';

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
