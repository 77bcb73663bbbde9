/**
 * Where a turn's cells go in its notebook, and saving the notebook after a
 * turn. Cells go after the most recent cell the conversation wrote that is
 * still there; else after the active cell if the user moved the selection
 * since the last turn; else at the end. A reloaded page selects the first
 * cell: that is no reason to write at the top, above earlier work.
 */

import type { NotebookPanel } from '@jupyterlab/notebook';

import { cellIndex } from './cells';

/** The id of a notebook's active cell, or null. */
function activeCellId(panel: NotebookPanel): string | null {
  return panel.content.activeCell?.model.id ?? null;
}

/** The active cell of each notebook when its last turn began (or when first seen). */
export class SelectionMemory {
  /** Remember the active cell now, unless this notebook was seen before. */
  see(panel: NotebookPanel): void {
    if (!this._active.has(panel)) {
      this.remember(panel);
    }
  }

  /** Remember the active cell now (a turn begins, cells were undone). */
  remember(panel: NotebookPanel): void {
    this._active.set(panel, activeCellId(panel));
  }

  /**
   * Whether the user moved the selection since it was remembered. A notebook
   * not seen before opened with its first cell active: another active cell
   * means the user chose it.
   */
  moved(panel: NotebookPanel): boolean {
    if (this._active.has(panel)) {
      return this._active.get(panel) !== activeCellId(panel);
    }
    return panel.content.activeCellIndex > 0;
  }

  private _active = new WeakMap<NotebookPanel, string | null>();
}

/**
 * The cell a new turn's first cell goes after (null: at the end). `written`
 * lists the cells the conversation wrote, the most recent first. Remembers
 * the selection for the next turn.
 */
export function turnAnchor(
  panel: NotebookPanel,
  written: readonly string[],
  selections: SelectionMemory
): string | null {
  const model = panel.content.model;
  const moved = selections.moved(panel);
  selections.remember(panel);
  const last = written.find(id => cellIndex(model, id) !== -1);
  if (last !== undefined) {
    return last;
  }
  return moved ? activeCellId(panel) : null;
}

/**
 * Save a notebook through its document context (so that JupyterLab's check
 * for changes on disk still holds); a read-only or closed one is left alone.
 */
export async function saveNotebook(panel: NotebookPanel): Promise<void> {
  const context = panel.context;
  if (panel.isDisposed || !context.isReady) {
    return;
  }
  if (context.contentsModel?.writable === false) {
    return; // JupyterLab would ask where to save it: not after every turn
  }
  try {
    await context.save();
  } catch (reason) {
    console.warn(
      `jupyter-code-interp: ${context.path} could not be saved.`,
      reason
    );
  }
}
