import { TranslationBundle } from '@jupyterlab/translation';
import { settingsIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { ConversationEntry } from '../../conversation';
import type {
  IModelChoice,
  IProviderStatus,
  ITurnUsage
} from '../../providers/types';
import { sumUsage } from '../../providers/usage';
import { findModel, ModelPicker } from './ModelPicker';
import { UsageTotal } from './UsageView';

/** Props of `ModelBar`. */
export interface IModelBarProps {
  /** Providers from the server status. */
  providers: readonly IProviderStatus[];
  /** The model the next turn of this notebook uses. */
  value: IModelChoice | null;
  /** The conversation shown (for its usage total). */
  entries: readonly ConversationEntry[];
  /** Whether a turn runs. */
  busy: boolean;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Pick the model of this notebook's conversation. */
  onChange: (choice: IModelChoice) => void;
  /** Open the providers settings dialog. */
  onConfigure: () => void;
  /** A problem of the model shown, said under the picker (e.g. not listed by its endpoint). */
  notice?: string | null;
  /** Let the chosen model, seen writing fenced code, try tool calls again. */
  onResetMode?: (choice: IModelChoice) => void;
}

/** The usages of the finished turns of a conversation. */
export function conversationUsages(
  entries: readonly ConversationEntry[]
): ITurnUsage[] {
  const usages: ITurnUsage[] = [];
  for (const entry of entries) {
    if (entry.kind === 'notice' && entry.usage) {
      usages.push(entry.usage);
    }
  }
  return usages;
}

/** Under the header: the model picker, the conversation's usage, the settings button. */
export function ModelBar(props: IModelBarProps): JSX.Element {
  const { trans, value, onResetMode } = props;
  const learned = findModel(props.providers, value)?.toolModeLearned === true;
  return (
    <div className="jp-CodeInterp-modelBar">
      <ModelPicker
        providers={props.providers}
        value={props.value}
        disabled={props.busy}
        trans={trans}
        onChange={props.onChange}
      />
      {learned && value && onResetMode && (
        <button
          type="button"
          className="jp-Button jp-mod-minimal jp-CodeInterp-resetMode"
          title={trans.__(
            'This model answered with code blocks instead of calling the tool, so it gets code-block instructions. Click to let it try tool calls again.'
          )}
          disabled={props.busy}
          onClick={() => onResetMode(value)}
        >
          {trans.__('code blocks ↺')}
        </button>
      )}
      <UsageTotal
        total={sumUsage(conversationUsages(props.entries))}
        trans={trans}
      />
      <button
        type="button"
        className="jp-Button jp-mod-minimal jp-CodeInterp-providersButton"
        title={trans.__('Language model providers and API keys')}
        aria-label={trans.__('Language model providers')}
        onClick={props.onConfigure}
      >
        <settingsIcon.react tag="span" />
      </button>
      {props.notice && (
        <div
          className="jp-CodeInterp-modelNotice"
          role="status"
          title={trans.__('About the default model')}
        >
          {props.notice}
        </div>
      )}
    </div>
  );
}
