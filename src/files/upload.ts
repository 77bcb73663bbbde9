/**
 * Uploads through JupyterLab's Contents API, as the lab's own file browser
 * does (base64, 1 MB chunks numbered 1, 2, … and -1 for the last), but never
 * overwriting: a taken name becomes `name (1).ext`, `name (2).ext`, … — unless
 * that file already holds the same bytes, which is then reused as it is.
 */

import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

/** Bytes per upload request (the file browser's CHUNK_SIZE). */
export const CHUNK_SIZE = 1024 * 1024;

/** The part of the Contents API an upload needs. */
export interface IUploadContents {
  /** A file or directory model. */
  get(path: string, options?: Contents.IFetchOptions): Promise<Contents.IModel>;
  /** Save a model (a chunk of a file, or a new directory). */
  save(
    path: string,
    options?: Partial<Contents.IModel>
  ): Promise<Contents.IModel>;
}

/** One request of an upload: bytes [start, end) and its chunk number. */
export interface IChunk {
  start: number;
  end: number;
  /** Undefined for a single-request upload; 1, 2, … then -1 for the last. */
  chunk?: number;
}

/** Where an upload went. */
export interface IUploaded {
  /** Contents path of the new file. */
  path: string;
  /** Its name (differs from the original name after a collision). */
  name: string;
  /** The original name when the file had to be renamed. */
  renamedFrom: string | null;
  /** The same bytes were already there under this name: nothing was uploaded. */
  reused?: boolean;
}

/** An upload that cannot be done; its message is shown to the user. */
export class UploadError extends Error {}

/** `report.csv` → [`report`, `.csv`]; `.env` and `Makefile` have no extension. */
export function splitName(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** The first of `name`, `stem (1).ext`, `stem (2).ext`, … that is not taken. */
export function freeName(
  name: string,
  taken: (candidate: string) => boolean
): string {
  if (!taken(name)) {
    return name;
  }
  const [stem, extension] = splitName(name);
  for (let index = 1; ; index++) {
    const candidate = `${stem} (${index})${extension}`;
    if (!taken(candidate)) {
      return candidate;
    }
  }
}

/** Web Crypto names of the hash algorithms the Contents API may report. */
const DIGESTS: Record<string, string> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512'
};

/** Lower-case hex of a digest. */
function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), byte =>
    byte.toString(16).padStart(2, '0')
  ).join('');
}

/**
 * Whether the file at `path` holds exactly the bytes of `file`: the server's
 * hash of it (Contents API `hash=1`, jupyter_server ≥ 2.11) against ours,
 * else its bytes against ours.
 */
export async function sameContent(
  contents: IUploadContents,
  path: string,
  file: Blob
): Promise<boolean> {
  let model: Contents.IModel;
  try {
    model = await contents.get(path, { content: false, hash: true });
  } catch {
    return false;
  }
  if (model.type !== 'file' || (model.size ?? file.size) !== file.size) {
    return false;
  }
  const algorithm = DIGESTS[model.hash_algorithm ?? ''];
  const subtle = globalThis.crypto?.subtle;
  if (model.hash && algorithm && subtle) {
    const digest = await subtle.digest(algorithm, await file.arrayBuffer());
    return hex(digest) === model.hash.toLowerCase();
  }
  const stored = await contents.get(path, {
    type: 'file',
    format: 'base64',
    content: true
  });
  return (
    typeof stored.content === 'string' &&
    stored.content.replace(/\s/g, '') === (await blobToBase64(file))
  );
}

/**
 * A file of the folder listing that holds the same bytes as `file` under its
 * name or one of its numbered copies (`name (1).ext`, …), if any.
 */
async function sameFileIn(
  contents: IUploadContents,
  directory: string,
  items: readonly Contents.IModel[],
  file: File
): Promise<string | null> {
  const sizes = new Map(items.map(item => [item.name, item.size]));
  const [stem, extension] = splitName(file.name);
  for (let index = 0; ; index++) {
    const name = index ? `${stem} (${index})${extension}` : file.name;
    if (!sizes.has(name)) {
      return null;
    }
    const size = sizes.get(name);
    const path = directory ? PathExt.join(directory, name) : name;
    if (
      (size === undefined || size === null || size === file.size) &&
      (await sameContent(contents, path, file))
    ) {
      return name;
    }
  }
}

/** The requests that upload `size` bytes: one, or numbered chunks. */
export function chunkPlan(size: number, chunkSize = CHUNK_SIZE): IChunk[] {
  if (size <= chunkSize) {
    return [{ start: 0, end: size }];
  }
  const chunks: IChunk[] = [];
  for (let start = 0; start < size; start += chunkSize) {
    const end = Math.min(start + chunkSize, size);
    chunks.push({
      start,
      end,
      chunk: end >= size ? -1 : start / chunkSize + 1
    });
  }
  return chunks;
}

/** The base64 text of a blob (what the Contents API's `base64` format takes). */
export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const pieces: string[] = [];
  // String.fromCharCode takes arguments: go in slices to stay under the limit.
  for (let start = 0; start < bytes.length; start += 0x8000) {
    pieces.push(String.fromCharCode(...bytes.subarray(start, start + 0x8000)));
  }
  return btoa(pieces.join(''));
}

/** Create `directory` and its missing parents (no-op for the root). */
export async function ensureDirectory(
  contents: IUploadContents,
  directory: string,
  trans: TranslationBundle
): Promise<void> {
  let current = '';
  for (const part of directory.split('/').filter(Boolean)) {
    current = current ? `${current}/${part}` : part;
    try {
      const model = await contents.get(current, { content: false });
      if (model.type !== 'directory') {
        throw new UploadError(
          trans.__('“%1” exists and is not a folder.', current)
        );
      }
    } catch (reason) {
      if (reason instanceof UploadError) {
        throw reason;
      }
      await contents.save(current, { type: 'directory' });
    }
  }
}

/** Options of `uploadFile`. */
export interface IUploadOptions {
  /** Largest accepted file, in bytes. */
  maxBytes: number;
  /** Called with the uploaded fraction (0 to 1) after each request. */
  onProgress?: (fraction: number) => void;
  /** Messages for the user. */
  trans: TranslationBundle;
}

/**
 * Upload `file` into `directory` (created if missing) under a free name, or
 * reuse the file there that already holds the same bytes under its name (or
 * a numbered copy of it). Rejects with an UploadError whose message the user
 * can read.
 */
export async function uploadFile(
  contents: IUploadContents,
  file: File,
  directory: string,
  options: IUploadOptions
): Promise<IUploaded> {
  const { trans } = options;
  if (file.size > options.maxBytes) {
    throw new UploadError(
      trans.__(
        '%1 is %2 MB: larger than the upload limit of %3 MB (setting “Largest upload”).',
        file.name,
        (file.size / 2 ** 20).toFixed(1),
        Math.round(options.maxBytes / 2 ** 20)
      )
    );
  }
  await ensureDirectory(contents, directory, trans);
  const listing = await contents.get(directory, { content: true });
  const items = Array.isArray(listing.content)
    ? (listing.content as Contents.IModel[])
    : [];
  const same = await sameFileIn(contents, directory, items, file);
  if (same !== null) {
    options.onProgress?.(1);
    return {
      path: directory ? PathExt.join(directory, same) : same,
      name: same,
      renamedFrom: same === file.name ? null : file.name,
      reused: true
    };
  }
  const names = new Set<string>(items.map(item => item.name));
  const name = freeName(file.name, candidate => names.has(candidate));
  const path = directory ? PathExt.join(directory, name) : name;
  options.onProgress?.(0);
  let model: Contents.IModel | null = null;
  for (const part of chunkPlan(file.size)) {
    const content = await blobToBase64(file.slice(part.start, part.end));
    model = await contents.save(path, {
      type: 'file',
      format: 'base64',
      name,
      content,
      ...(part.chunk === undefined ? {} : { chunk: part.chunk })
    });
    options.onProgress?.(file.size ? part.end / file.size : 1);
  }
  return {
    path: model?.path ?? path,
    name,
    renamedFrom: name === file.name ? null : file.name
  };
}
