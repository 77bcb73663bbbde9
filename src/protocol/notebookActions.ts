/**
 * Wire frames of notebook actions on existing cells (edit, run, read, insert
 * Markdown, delete), their review and the cells as Undo restores them
 * (see docs/protocol.md).
 */

import type * as nbformat from '@jupyterlab/nbformat';

/** What a notebook action does to a cell. */
export type NotebookAction = 'edit' | 'run' | 'read' | 'markdown' | 'delete';

/** Server → client: act on existing cells of the turn's notebook. */
export interface INotebookActionFrame {
  type: 'notebook_request';
  /** The turn asking. */
  turnId: string;
  /** Echoed by the `notebook_result`. */
  requestId: string;
  /** The step this action is (its entry in the panel). */
  step: number;
  /** What to do. */
  action: NotebookAction;
  /** The cell acted on (`markdown`: the new cell's id). */
  cellId?: string;
  /** The cells to run, in order (`run`). */
  cellIds?: string[];
  /** The new source (`edit`, `markdown`). */
  source?: string;
  /** Run the edited cell (`edit`). */
  run?: boolean;
  /** Wait for the user's Accept or Reject before applying (`edit`, `delete`). */
  review?: boolean;
  /** Insert the Markdown cell after this cell (`markdown`). */
  afterCellId?: string | null;
}

/** A cell as it was before an edit or deletion: what Undo restores. */
export interface ICellBefore {
  /** The cell's type. */
  cellType: 'code' | 'markdown' | 'raw';
  /** Its source. */
  source: string;
  /** Its outputs, as saved (none for Markdown and raw cells). */
  outputs: nbformat.IOutput[];
  /** Its prompt's number. */
  executionCount: number | null;
  /** Its index (0-based). */
  index: number;
}

/** One cell a `run` action ran. */
export interface ICellRun {
  /** The cell that ran. */
  cellId: string;
  /** Its index (0-based). */
  cellIndex: number;
  /** Its outputs, compacted like execute results. */
  outputs: nbformat.IOutput[];
  /** Its prompt's number. */
  executionCount: number | null;
}

/** What the panel reports after a notebook action. */
export interface INotebookActionResult {
  /** The cell acted on (`run`: the last that ran; `markdown`: the new one). */
  cellId: string;
  /** Its index (0-based). */
  cellIndex: number;
  /** A reviewed change: whether the user accepted it. */
  accepted?: boolean;
  /** What the user typed with Reject. */
  comment?: string;
  /** The cell before an applied edit or deletion. */
  before?: ICellBefore;
  /** The cell's outputs (edit with run, run: compacted; read: in full). */
  outputs?: nbformat.IOutput[];
  /** The cell's prompt number after it ran (or as it is, for read). */
  executionCount?: number | null;
  /** The cells a `run` ran, in order. */
  runs?: ICellRun[];
}

/** Client → server: answer to a `notebook_request`. */
export type INotebookResultFrame =
  | {
      type: 'notebook_result';
      requestId: string;
      result: INotebookActionResult;
    }
  | { type: 'notebook_result'; requestId: string; error: string };

/** A cell an undone turn changed: restore it as it was. */
export interface IRestoreCell {
  /** The cell. */
  cellId: string;
  /** What the turn did to it. */
  action: 'edit' | 'delete';
  /** The cell as it was before. */
  before: ICellBefore;
}
