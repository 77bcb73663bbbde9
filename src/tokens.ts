import type { NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';

import type { CellChips } from './cellChips';

/** The Code Interpreter panel, for the entry points outside it (cell actions). */
export interface ICodeInterpreterPanel {
  /** Show the side panel. */
  show(): void;
  /**
   * Start a turn in a notebook with these cells attached; returns its id, or
   * null when a turn already runs there.
   */
  ask(
    panel: NotebookPanel,
    instruction: string,
    cellIds: readonly string[]
  ): string | null;
  /** The cells attached to the composer. */
  readonly cellChips: CellChips;
}

/** The Code Interpreter panel service. */
export const ICodeInterpreterPanel = new Token<ICodeInterpreterPanel>(
  'jupyter-code-interp:ICodeInterpreterPanel',
  'Shows the Code Interpreter panel and starts turns about notebook cells.'
);
