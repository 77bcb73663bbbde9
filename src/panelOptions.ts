/**
 * What the Code Interpreter side panel is built with: its controller, the
 * notebook tracker and the optional features it shows (files, models, cell
 * chips, images, export, review highlighting).
 */

import type { Extension } from '@codemirror/state';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { CellChips } from './cellChips';
import type { CodeInterpreterController } from './controller';
import type { ICodeInterpreterFiles } from './files/tokens';
import type { IImageData } from './imageView';
import type { IModelProviders } from './providers/tokens';
import type { AnswerRendermime } from './render/sanitizer';

/** Construction options of `CodeInterpreterPanel`. */
export interface ICodeInterpreterPanelOptions {
  /** The controller (and its store). */
  controller: CodeInterpreterController;
  /** Tracks the active notebook. */
  tracker: INotebookTracker;
  /** Renders assistant markdown (remote resources wait for a click). */
  answers: AnswerRendermime;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Activate a main-area widget by id. */
  activate: (id: string) => void;
  /** Create and open a new notebook. */
  createNotebook: () => Promise<unknown>;
  /** Create a notebook for an instruction sent while none is open (absent: no composer then). */
  newNotebook?: INewNotebook | null;
  /** Attachments, uploads and file cards (optional). */
  files?: ICodeInterpreterFiles | null;
  /** Model picker and providers settings (optional). */
  providers?: IModelProviders | null;
  /** Change the auto-run setting (absent: no toggle). */
  setAutoRun?: (value: boolean) => void;
  /** Where the panel's width is remembered (absent: the default each time). */
  state?: IStateDB | null;
  /** Open an image at full size in the main area (absent: a click reveals the cell). */
  openImage?: (image: IImageData, title: string) => void;
  /** Export the shown conversation as Markdown (absent: no button). */
  exportConversation?: () => void;
  /** Cells attached to the composer (absent: no cell chips). */
  cellChips?: CellChips | null;
  /** Open a file of the server in JupyterLab (the AGENTS.md of a turn's rules). */
  openFile?: (path: string) => void;
  /** Syntax highlighting of a kernel language for review diffs (absent: plain). */
  highlight?: (language: string) => Promise<Extension | null>;
}

/** Notebooks created for instructions sent while no notebook is open. */
export interface INewNotebook {
  /** The folder it goes in (the file browser's). */
  folder(): string;
  /** Create and open a notebook named from the instruction, ready for a turn. */
  create(instruction: string): Promise<NotebookPanel>;
}
