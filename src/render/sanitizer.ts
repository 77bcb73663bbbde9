/**
 * The rendermime the panel renders answers with: JupyterLab's own, whose
 * sanitizer is followed by `makeInert` (remote resources wait for a click,
 * relative URLs become file URLs under the notebook's folder).
 */

import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { IRenderMime, IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';

import { IInertContext, inertHtml } from './remote';

/** JupyterLab's sanitizer, then `makeInert`, before any of it becomes live DOM. */
export class InertSanitizer implements IRenderMime.ISanitizer {
  /** Wrap `base`; `context` is read at each call (the page URL may change). */
  constructor(base: IRenderMime.ISanitizer, context: () => IInertContext) {
    this._base = base;
    this._context = context;
  }

  /** Sanitize, then make remote resources inert. */
  sanitize(dirty: string, options?: IRenderMime.ISanitizerOptions): string {
    return inertHtml(this._base.sanitize(dirty, options), this._context());
  }

  /** As the wrapped sanitizer. */
  getAutolink(): boolean {
    return this._base.getAutolink?.() ?? true;
  }

  /** As the wrapped sanitizer. */
  get allowNamedProperties(): boolean {
    return this._base.allowNamedProperties ?? false;
  }

  /** Never: command-linker attributes are removed from model output. */
  get allowCommandLinker(): boolean {
    return false;
  }

  private _base: IRenderMime.ISanitizer;
  private _context: () => IInertContext;
}

/** Rendermime registries for the panel's answers, one per notebook folder. */
export class AnswerRendermime {
  /** Derive registries from the application's `rendermime`. */
  constructor(options: AnswerRendermime.IOptions) {
    this._options = options;
  }

  /** The registry for answers about the notebook at `notebookPath`. */
  for(notebookPath: string | null): IRenderMimeRegistry {
    const directory = notebookPath ? PathExt.dirname(notebookPath) : '';
    let registry = this._registries.get(directory);
    if (!registry) {
      const { rendermime, trans, baseUrl, fileUrl } = this._options;
      const context = (): IInertContext => {
        const pageUrl = window.location.href;
        const filesPrefix = new URL(URLExt.join(baseUrl, 'files/'), pageUrl)
          .href;
        return { pageUrl, filesPrefix, fileUrl, directory, trans };
      };
      registry = rendermime.clone({
        sanitizer: new InertSanitizer(rendermime.sanitizer, context)
      });
      this._registries.set(directory, registry);
    }
    return registry;
  }

  private _options: AnswerRendermime.IOptions;
  private _registries = new Map<string, IRenderMimeRegistry>();
}

/** Types of `AnswerRendermime`. */
export namespace AnswerRendermime {
  /** What the registries are made from. */
  export interface IOptions {
    /** The application's rendermime (markdown parser, LaTeX, sanitizer). */
    rendermime: IRenderMimeRegistry;
    /** Labels of the placeholders. */
    trans: TranslationBundle;
    /** The server's base URL (file URLs start with `<baseUrl>files/`). */
    baseUrl: string;
    /** The file URL of a path relative to the server root. */
    fileUrl: (path: string) => string;
  }
}
