import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IConversation } from '../../conversation';
import type { IServerStatus } from '../../protocol';
import type { IModelProviders } from '../../providers/tokens';
import { ModelBar } from './ModelBar';
import type { IPanelViewProps } from '../Panel';

/** What `panelModelProps` needs to know. */
export interface IPanelModelsOptions {
  /** The providers service (absent: no picker, no settings button). */
  providers: IModelProviders | null | undefined;
  /** The server status, once fetched. */
  status: IServerStatus | null;
  /** Path of the active notebook. */
  notebook: string | null;
  /** Its conversation. */
  conversation: IConversation | null;
  /** The `defaultModel` user setting. */
  settingModel: string;
  /** Translation bundle. */
  trans: TranslationBundle;
}

/** The model bar and settings action of the panel, from the providers service. */
export function panelModelProps(
  options: IPanelModelsOptions
): Pick<IPanelViewProps, 'modelBar' | 'onConfigure'> {
  const { providers, status, notebook, conversation, trans } = options;
  if (!providers) {
    return {};
  }
  const onConfigure = () => void providers.openSettings();
  if (notebook === null || status === null) {
    return { onConfigure };
  }
  const value = providers.modelFor(notebook, status, options.settingModel);
  const onDefault =
    value?.provider === status.defaultProvider &&
    value?.model === status.defaultModel;
  return {
    onConfigure,
    modelBar: (
      <ModelBar
        providers={status.providers ?? []}
        value={value}
        notice={onDefault ? status.defaultModelProblem : null}
        entries={conversation?.entries ?? []}
        busy={!!conversation?.turn}
        trans={trans}
        onChange={choice => providers.choices.set(notebook, choice)}
        onConfigure={onConfigure}
        onResetMode={choice => void providers.resetMode(choice)}
      />
    )
  };
}
