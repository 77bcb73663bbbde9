/**
 * Wire frames of the files a turn produced (see docs/protocol.md).
 */

/** A file a step created or changed, or the answer pointed at. */
export interface IFileCard {
  /** Path relative to the server root. */
  path: string;
  name: string;
  size: number;
  mime: string;
}

/** Server → client: files a step produced (`step` null: named in the answer). */
export interface IFilesFrame {
  type: 'files';
  turnId: string;
  step: number | null;
  files: IFileCard[];
}
