import type { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';

import type {
  IExecutionResult,
  INotebookActionFrame,
  INotebookActionResult,
  INotebookContext,
  IRestoreCell
} from '../protocol';
import type { IProposedChange, IReviewDecision } from './review';

/** The user's answer to a proposed cell (auto-run off). */
export type ApprovalDecision = 'run' | 'skip';

/** Options of one execution. */
export interface IExecuteOptions {
  /** Characters of text output kept for the model. */
  outputLimit: number;
  /** Called once the new cell is in the notebook (0-based index). */
  onInserted?: (cellId: string, cellIndex: number) => void;
  /**
   * Replace the code of this cell (one the same turn inserted) and run it
   * again in place instead of inserting a new cell.
   */
  replaceCellId?: string | null;
  /** The id to give the new cell (the server records it, so that Undo finds it). */
  cellId?: string | null;
  /**
   * Auto-run off: called once the cell is in the notebook; the cell runs
   * (with its current, possibly edited code) only when it resolves `'run'`.
   */
  approve?: (cellId: string, cellIndex: number) => Promise<ApprovalDecision>;
}

/** Options of one action on existing cells (`notebook_request`). */
export interface INotebookActionOptions {
  /** Characters of text output kept for the model (not for `read`). */
  outputLimit: number;
  /** Show a change for review; resolves with the user's decision. */
  review?: (change: IProposedChange) => Promise<IReviewDecision>;
}

/** Where a turn's conversation already wrote in the notebook. */
export interface ITurnPlacement {
  /** Cells the conversation's earlier steps wrote, the most recent first. */
  written?: readonly string[];
}

/**
 * Runs code as new cells of the notebook captured when a turn started, in
 * that notebook's own kernel session.
 */
export interface INotebookExecutor {
  /**
   * Capture the notebook a turn works in and where its cells go: after the
   * most recent `written` cell still in the notebook; else after the active
   * cell if the user moved the selection since the last turn; else at the end.
   */
  beginTurn(
    turnId: string,
    panel: NotebookPanel,
    placement?: ITurnPlacement
  ): void;
  /**
   * Insert `code` as a new code cell (after the cell the turn last inserted,
   * else where `beginTurn` decided), run it and return its compacted
   * outputs. Rejects with a user-readable message when the code could not
   * run at all.
   */
  execute(
    turnId: string,
    code: string,
    options: IExecuteOptions
  ): Promise<IExecutionResult>;
  /**
   * Interrupt the kernel if a cell of this turn is running; a wait for the
   * user's approval ends (the execution rejects).
   */
  interrupt(turnId: string): Promise<void>;
  /**
   * Forget a finished turn (a wait for approval ends); the notebook is saved
   * once its cells are done, if the turn changed it.
   */
  endTurn(turnId: string): void;
  /**
   * Act on existing cells of the turn's notebook (edit, run, read, insert
   * Markdown, delete); changes asked for review wait for `options.review`.
   * Rejects with a user-readable message (e.g. an unknown cell id).
   */
  act(
    turnId: string,
    frame: INotebookActionFrame,
    options: INotebookActionOptions
  ): Promise<INotebookActionResult>;
  /** Ids of the cells a running turn inserted, in order. */
  insertedCells(turnId: string): string[];
  /**
   * Undo of a turn: restore the cells it edited or deleted (newest change
   * first), delete those it inserted, save the notebook once.
   */
  undoCells(
    notebook: NotebookPanel | string,
    removeCellIds: readonly string[],
    restore: readonly IRestoreCell[]
  ): { removed: number; restored: number };
  /**
   * Delete these cells (undo of a turn) from a notebook, given as its panel
   * or its path (found among open notebooks), and save it; returns how many
   * were deleted.
   */
  removeCells(
    notebook: NotebookPanel | string,
    cellIds: readonly string[]
  ): number;
  /**
   * The notebook and its kernel as a turn starts (cells, active cell, silent
   * kernel inspection); resolves within a few seconds, never rejects.
   */
  notebookContext(
    panel: NotebookPanel,
    options: { outputLimit: number }
  ): Promise<INotebookContext>;
  /**
   * Get a notebook's kernel ready for turns in the background (the silent
   * inspection setup once the kernel is idle), so that the first instruction
   * does not wait for it. Called when the panel shows the notebook.
   */
  prepare?(panel: NotebookPanel): void;
}

/** The notebook executor service. */
export const INotebookExecutor = new Token<INotebookExecutor>(
  'jupyter-code-interp:INotebookExecutor',
  'Runs code as new cells of a notebook, in its own kernel.'
);
