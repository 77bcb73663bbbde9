/**
 * The Fix / Explain button row under error outputs: a rendermime renderer
 * that wraps JupyterLab's own renderer of `application/vnd.jupyter.stderr`
 * (errors and stderr streams share it) and adds the row to errors only.
 */

import type {
  IOutputModel,
  IRenderMime,
  IRenderMimeRegistry
} from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';

import type { CellAction } from './attachedCells';

/** The mime type JupyterLab renders error outputs (and stderr) with. */
export const STDERR_MIME = 'application/vnd.jupyter.stderr';

/** What the button row does: the action on the cell that holds `node`. */
export type OutputAction = (node: HTMLElement, action: CellAction) => void;

/** Whether an output model is an error (not a stderr stream). */
function isError(model: IRenderMime.IMimeModel): boolean {
  return (model as Partial<IOutputModel>).type === 'error';
}

/** A stderr renderer with the Fix / Explain row under error outputs. */
export class ErrorOutputRenderer
  extends Widget
  implements IRenderMime.IRenderer
{
  /** Wrap JupyterLab's renderer. */
  constructor(
    inner: IRenderMime.IRenderer,
    trans: TranslationBundle,
    onAction: OutputAction
  ) {
    super();
    this._inner = inner;
    this._trans = trans;
    this._onAction = onAction;
    this.addClass('jp-CodeInterp-errorOutput');
    const layout = new PanelLayout();
    layout.addWidget(inner);
    this.layout = layout;
  }

  /** Render the output, then the buttons when it is an error. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    await this._inner.renderModel(model);
    this._row?.remove();
    this._row = isError(model) ? this._buttons() : null;
    if (this._row) {
      this.node.appendChild(this._row);
    }
  }

  private _buttons(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'jp-CodeInterp-outputActions';
    const add = (action: CellAction, label: string, title: string) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-${action}Output`;
      button.textContent = label;
      button.title = title;
      button.addEventListener('click', () => this._onAction(this.node, action));
      row.appendChild(button);
    };
    const trans = this._trans;
    add(
      'fix',
      trans.__('Fix'),
      trans.__('Ask the Code Interpreter to fix this error')
    );
    add(
      'explain',
      trans.__('Explain'),
      trans.__('Ask the Code Interpreter to explain this output')
    );
    return row;
  }

  private _inner: IRenderMime.IRenderer;
  private _trans: TranslationBundle;
  private _onAction: OutputAction;
  private _row: HTMLElement | null = null;
}

/**
 * Put the wrapping renderer in place of the registry's stderr renderer; new
 * notebooks get it (each clones the registry when it opens).
 */
export function addErrorActions(
  rendermime: IRenderMimeRegistry,
  trans: TranslationBundle,
  onAction: OutputAction
): boolean {
  const original = rendermime.getFactory(STDERR_MIME);
  if (!original) {
    return false;
  }
  rendermime.addFactory(
    {
      safe: original.safe,
      mimeTypes: [STDERR_MIME],
      defaultRank: original.defaultRank,
      createRenderer: options =>
        new ErrorOutputRenderer(
          original.createRenderer(options),
          trans,
          onAction
        )
    },
    rendermime.getRank(STDERR_MIME)
  );
  return true;
}
