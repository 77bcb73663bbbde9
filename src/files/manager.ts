/**
 * The files service behind the panel: uploads into the notebook's directory,
 * attachments from the file browser, `@` listings and `/files/` URLs.
 */

import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from '../request';
import { AttachmentStore } from './attachments';
import type { IFileEntry } from './mention';
import type { ICodeInterpreterFiles, IExistingFile } from './tokens';
import { uploadFile, UploadError } from './upload';
import { errorMessage } from '../errors';

/** Upload settings (`uploadSubfolder` and `maxUploadMB` of schema/panel.json). */
export interface IUploadSettings {
  /** Subfolder of the notebook's directory that receives uploads ('' for none). */
  uploadSubfolder: string;
  /** Largest upload, in MB (absent: no limit). */
  maxUploadMB?: number;
}

/**
 * A subfolder setting made safe: relative, no `..`, no empty parts; null
 * when it tries to leave the notebook's directory.
 */
export function cleanSubfolder(value: string): string | null {
  const trimmed = value.trim();
  const parts = trimmed.replace(/\\/g, '/').split('/').filter(Boolean);
  if (trimmed.startsWith('/') || parts.some(part => part === '..')) {
    return null;
  }
  return parts.filter(part => part !== '.').join('/');
}

/** `base/files/<path>` with the `_xsrf` cookie, as JupyterLab's Drive builds it. */
export function filesUrl(baseUrl: string, path: string, cookie = ''): string {
  let url = URLExt.join(baseUrl, 'files', URLExt.encodeParts(path));
  const xsrf = cookie.match('\\b_xsrf=([^;]*)\\b');
  if (xsrf) {
    const full = new URL(url, 'http://placeholder.invalid');
    full.searchParams.append('_xsrf', xsrf[1]);
    url = url.split('?')[0] + full.search;
  }
  return url;
}

/** The Code Interpreter files service. */
export class FilesManager implements ICodeInterpreterFiles {
  /** Create the service. */
  constructor(options: FilesManager.IOptions) {
    this._contents = options.contents;
    this._serverSettings = options.serverSettings;
    this._trans = options.trans;
    this._settings = options.settings;
    this._open = options.open;
  }

  /** The chips of the composer. */
  readonly attachments = new AttachmentStore();

  /** Emitted when something wants the composer focused. */
  get focusRequested(): ISignal<this, void> {
    return this._focusRequested;
  }

  /** Upload files into the notebook's directory (or its upload subfolder). */
  async upload(files: readonly File[], notebookPath: string): Promise<void> {
    const settings = await this._settings();
    const subfolder = cleanSubfolder(settings.uploadSubfolder);
    const notebookDir = PathExt.dirname(notebookPath);
    const directory =
      subfolder === null || subfolder === ''
        ? notebookDir
        : PathExt.join(notebookDir, subfolder);
    await Promise.all(
      files.map(file => this._uploadOne(file, directory, settings, subfolder))
    );
  }

  /** Attach files that already exist (from the file browser). */
  attachExisting(files: readonly IExistingFile[]): void {
    for (const file of files) {
      this.attachments.addExisting({
        path: this._contents.localPath(file.path),
        name: file.name,
        size: file.size ?? 0
      });
    }
  }

  /** Attach files by contents path, reading their size; directories are skipped. */
  async attachPaths(paths: readonly string[]): Promise<void> {
    const models = await Promise.all(
      paths.map(path =>
        this._contents.get(path, { content: false }).catch(() => null)
      )
    );
    this.attachExisting(
      models.filter(
        (model): model is Contents.IModel =>
          model !== null && model.type !== 'directory'
      )
    );
  }

  /** Files under `directory` whose path contains `query` (for `@`). */
  async listFiles(directory: string, query: string): Promise<IFileEntry[]> {
    const params = new URLSearchParams({
      dir: this._contents.localPath(directory),
      prefix: query,
      limit: '50'
    });
    const reply = await requestAPI<{ files: IFileEntry[] }>(
      `files?${params.toString()}`,
      this._serverSettings
    );
    return reply.files;
  }

  /** The `/files/` URL of a file. */
  fileUrl(path: string): string {
    let cookie = '';
    try {
      cookie = document.cookie;
    } catch {
      // A sandboxed document has no cookies; the URL works without _xsrf.
    }
    return filesUrl(this._serverSettings.baseUrl, path, cookie);
  }

  /** Open a file in JupyterLab. */
  open(path: string): void {
    this._open(path);
  }

  /** Ask the panel to focus its composer. */
  requestFocus(): void {
    this._focusRequested.emit();
  }

  private async _uploadOne(
    file: File,
    directory: string,
    settings: IUploadSettings,
    subfolder: string | null
  ): Promise<void> {
    const id = this.attachments.startUpload(file.name, file.size);
    if (subfolder === null) {
      this.attachments.fail(
        id,
        this._trans.__(
          'The upload subfolder setting “%1” leaves the notebook’s folder; use a relative folder such as “data”.',
          settings.uploadSubfolder
        )
      );
      return;
    }
    try {
      const uploaded = await uploadFile(this._contents, file, directory, {
        maxBytes:
          settings.maxUploadMB === undefined
            ? Infinity
            : Math.max(0, settings.maxUploadMB) * 2 ** 20,
        trans: this._trans,
        onProgress: fraction => this.attachments.setProgress(id, fraction)
      });
      this.attachments.finishUpload(
        id,
        this._contents.localPath(uploaded.path),
        uploaded.name,
        uploaded.renamedFrom,
        uploaded.reused
      );
    } catch (reason) {
      const detail =
        reason instanceof UploadError
          ? reason.message
          : this._trans.__(
              'Uploading %1 failed: %2',
              file.name,
              errorMessage(reason)
            );
      this.attachments.fail(id, detail);
    }
  }

  private _contents: Contents.IManager;
  private _serverSettings: ServerConnection.ISettings;
  private _trans: TranslationBundle;
  private _settings: () => Promise<IUploadSettings>;
  private _open: (path: string) => void;
  private _focusRequested = new Signal<this, void>(this);
}

/** Namespace for `FilesManager` types. */
export namespace FilesManager {
  /** Construction options. */
  export interface IOptions {
    /** JupyterLab's contents manager. */
    contents: Contents.IManager;
    /** Server settings for REST requests and URLs. */
    serverSettings: ServerConnection.ISettings;
    /** Messages for the user. */
    trans: TranslationBundle;
    /** The upload settings (once they are loaded). */
    settings: () => Promise<IUploadSettings>;
    /** Open a file in JupyterLab. */
    open: (path: string) => void;
  }
}
