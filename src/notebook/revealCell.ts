/**
 * Show a cell of a notebook to the user: select it, scroll it to the middle
 * and, for editing, focus its editor.
 */

import type { NotebookPanel } from '@jupyterlab/notebook';

/** A cell by id, with the index to fall back on when the id is gone. */
export interface ICellLocation {
  /** The cell's id (null: unknown). */
  cellId: string | null;
  /** Its index when last seen (null: unknown). */
  cellIndex: number | null;
}

/** The index of the cell in the panel's notebook (its id first, else its last index; -1: none). */
export function locateCell(
  panel: NotebookPanel,
  location: ICellLocation
): number {
  const index = panel.content.widgets.findIndex(
    c => c.model.id === location.cellId
  );
  return index === -1 ? (location.cellIndex ?? -1) : index;
}

/** Select the cell at `index` in command mode, scroll to it, and focus its editor for `edit`. */
export function revealCell(
  panel: NotebookPanel,
  index: number,
  edit = false
): void {
  const cells = panel.content.widgets;
  if (index < 0 || index >= cells.length) {
    return;
  }
  panel.content.mode = 'command';
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  void panel.content
    .scrollToCell(cells[index], 'center')
    .catch(() => undefined);
  if (edit) {
    panel.content.mode = 'edit';
    cells[index].editor?.focus();
  }
}
