import type { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';

import type { IExecutionResult } from './protocol';

/** Options of one execution. */
export interface IExecuteOptions {
  /** Characters of text output kept for the model. */
  outputLimit: number;
  /** Called once the new cell is in the notebook (0-based index). */
  onInserted?: (cellId: string, cellIndex: number) => void;
}

/**
 * Runs code as new cells of the notebook captured when a turn started, in
 * that notebook's own kernel session.
 */
export interface INotebookExecutor {
  /** Capture the notebook (and its active cell) a turn works in. */
  beginTurn(turnId: string, panel: NotebookPanel): void;
  /**
   * Insert `code` as a new code cell (after the cell the turn last inserted,
   * else after the active cell at turn start), run it and return its
   * compacted outputs. Rejects with a user-readable message when the code
   * could not run at all.
   */
  execute(
    turnId: string,
    code: string,
    options: IExecuteOptions
  ): Promise<IExecutionResult>;
  /** Interrupt the kernel if a cell of this turn is running. */
  interrupt(turnId: string): Promise<void>;
  /** Forget a finished turn. */
  endTurn(turnId: string): void;
}

/** The notebook executor service. */
export const INotebookExecutor = new Token<INotebookExecutor>(
  'jupyter-code-interp:INotebookExecutor',
  'Runs code as new cells of a notebook, in its own kernel.'
);
