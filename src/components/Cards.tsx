import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

/** Props of `SetupCard`. */
export interface ISetupCardProps {
  /** The server's explanation, shown verbatim. */
  problem: string;
  /** Whether the status is being fetched again. */
  loading: boolean;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Fetch the status again. */
  onRetry: () => void;
  /** Open the providers settings (absent: no such button). */
  onConfigure?: () => void;
}

/** Shown when no language model provider works. */
export function SetupCard(props: ISetupCardProps): JSX.Element {
  const { problem, loading, trans, onRetry } = props;
  return (
    <div className="jp-CodeInterp-card jp-CodeInterp-setup">
      <h3 className="jp-CodeInterp-cardTitle">
        {trans.__('The code interpreter needs a language model')}
      </h3>
      <p className="jp-CodeInterp-problem">{problem}</p>
      {props.onConfigure && (
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-configure"
          onClick={props.onConfigure}
        >
          {trans.__('Set up a provider…')}
        </button>
      )}
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-retry"
        disabled={loading}
        onClick={onRetry}
      >
        {loading ? trans.__('Checking…') : trans.__('Retry')}
      </button>
    </div>
  );
}

/** Props of `NoNotebookCard`. */
export interface INoNotebookCardProps {
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Create and open a notebook. */
  onCreate: () => void;
  /** Where the first instruction creates a notebook ('' is the root; null: it does not). */
  folder?: string | null;
  /** That notebook is being created. */
  creating?: boolean;
}

/** Shown when no notebook is open. */
export function NoNotebookCard(props: INoNotebookCardProps): JSX.Element {
  const { trans, onCreate, folder } = props;
  const where = folder ? folder : trans.__('the root folder');
  let text = trans.__(
    'Open a notebook to work in: the code interpreter runs its code as cells of the active notebook.'
  );
  if (props.creating) {
    text = trans.__('Creating a notebook in %1…', where);
  } else if (folder !== undefined && folder !== null) {
    text = trans.__(
      'No notebook is open: your first instruction creates one in %1 (named after it) and runs there. Or open a notebook to work in.',
      where
    );
  }
  return (
    <div className="jp-CodeInterp-card jp-CodeInterp-noNotebook">
      <p>{text}</p>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-createNotebook"
        onClick={onCreate}
      >
        {trans.__('Create a notebook')}
      </button>
    </div>
  );
}

/** The command that installs a CJK font for the kernel's matplotlib. */
export const CJK_FONT_COMMAND = "pip install 'jupyter-code-interp[zh]'";

/** The Debian/Ubuntu package with a CJK font (what our CI installs is smaller). */
export const CJK_FONT_APT_COMMAND = 'sudo apt-get install fonts-noto-cjk';

/** Props of `FontHintCard`. */
export interface IFontHintCardProps {
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Hide the card (it does not come back for this kernel). */
  onDismiss: () => void;
}

/** Shown once per kernel when a plot's Chinese text rendered as boxes. */
export function FontHintCard(props: IFontHintCardProps): JSX.Element {
  const { trans } = props;
  return (
    <div className="jp-CodeInterp-card jp-CodeInterp-fontHint" role="status">
      <h3 className="jp-CodeInterp-cardTitle">
        {trans.__('Chinese text in plots shows as boxes')}
      </h3>
      <p>
        {trans.__(
          'The kernel’s matplotlib has no font with Chinese, Japanese or Korean characters. Install one in the kernel’s environment, then restart the kernel:'
        )}
      </p>
      <pre className="jp-CodeInterp-command">{CJK_FONT_COMMAND}</pre>
      <p>{trans.__('or, on Debian and Ubuntu:')}</p>
      <pre className="jp-CodeInterp-command">{CJK_FONT_APT_COMMAND}</pre>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-dismissHint"
        onClick={props.onDismiss}
      >
        {trans.__('Dismiss')}
      </button>
    </div>
  );
}
