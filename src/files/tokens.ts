import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { AttachmentStore } from './attachments';
import type { IFileEntry } from './mention';

/** A file to attach that already exists on the server. */
export interface IExistingFile {
  /** Contents path (as the file browser gives it). */
  path: string;
  /** File name. */
  name: string;
  /** Size in bytes, if known. */
  size?: number | null;
}

/**
 * Files of the Code Interpreter: the composer's attachments, uploads through
 * the Contents API, `@` completion and links to produced files.
 */
export interface ICodeInterpreterFiles {
  /** The chips of the composer. */
  readonly attachments: AttachmentStore;
  /** Emitted when something wants the composer focused (e.g. after attaching). */
  readonly focusRequested: ISignal<ICodeInterpreterFiles, void>;
  /** Upload files into the notebook's directory (or its upload subfolder). */
  upload(files: readonly File[], notebookPath: string): Promise<void>;
  /** Attach files that already exist (from the file browser). */
  attachExisting(files: readonly IExistingFile[]): void;
  /** Attach files by contents path (directories are skipped). */
  attachPaths(paths: readonly string[]): Promise<void>;
  /** Files under a directory whose path contains `query` (for `@`). */
  listFiles(directory: string, query: string): Promise<IFileEntry[]>;
  /** The `/files/` URL of a file (for download links and thumbnails). */
  fileUrl(path: string): string;
  /** Open a file in JupyterLab. */
  open(path: string): void;
  /** Ask the panel to focus its composer. */
  requestFocus(): void;
}

/** The Code Interpreter files service. */
export const ICodeInterpreterFiles = new Token<ICodeInterpreterFiles>(
  'jupyter-code-interp:ICodeInterpreterFiles',
  'Attachments, uploads and file links of the Code Interpreter panel.'
);
