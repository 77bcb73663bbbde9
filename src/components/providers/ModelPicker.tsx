import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { choiceKey, parseChoiceKey } from '../../providers/choices';
import type {
  IModelChoice,
  IModelInfo,
  IProviderStatus
} from '../../providers/types';

/** Props of `ModelPicker`. */
export interface IModelPickerProps {
  /** Providers as the server status lists them (unusable ones are left out). */
  providers: readonly IProviderStatus[];
  /** The model the next turn uses. */
  value: IModelChoice | null;
  /** Whether switching is disabled (a turn runs). */
  disabled: boolean;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** The user picked another model. */
  onChange: (choice: IModelChoice) => void;
}

function describe(model: IModelInfo, trans: TranslationBundle): string {
  const parts = [model.id];
  if (model.toolModeLearned) {
    parts.push(trans.__('code blocks (seen in its replies)'));
  } else if (model.toolMode === 'fenced') {
    parts.push(trans.__('code blocks'));
  } else if (model.toolMode === 'tools') {
    parts.push(trans.__('tool calls'));
  }
  if (model.vision) {
    parts.push(trans.__('vision'));
  }
  if (model.contextWindow) {
    parts.push(trans.__('%1 tokens context', model.contextWindow));
  }
  if (model.priceIn !== null && model.priceIn !== undefined) {
    parts.push(
      trans.__(
        '%1 in / %2 out per million tokens (%3)',
        model.priceIn,
        model.priceOut ?? 0,
        model.currency ?? 'USD'
      )
    );
  }
  return parts.join(' · ');
}

/** The offered model `choice` names, if any. */
export function findModel(
  providers: readonly IProviderStatus[],
  choice: IModelChoice | null
): IModelInfo | null {
  const provider = providers.find(p => p.name === choice?.provider);
  return provider?.models.find(m => m.id === choice?.model) ?? null;
}

/** The model picker of the panel header: one group of models per provider. */
export function ModelPicker(props: IModelPickerProps): JSX.Element {
  const { trans, value } = props;
  const groups = props.providers.filter(
    provider => provider.ready && provider.models.length > 0
  );
  const current = value ? choiceKey(value) : '';
  const known = groups.some(group =>
    group.models.some(
      model => choiceKey({ provider: group.name, model: model.id }) === current
    )
  );
  return (
    <select
      className="jp-CodeInterp-modelPicker"
      aria-label={trans.__('Model')}
      title={
        value
          ? trans.__('Model for this notebook’s conversation: %1', value.model)
          : trans.__('Model for this notebook’s conversation')
      }
      value={known ? current : ''}
      disabled={props.disabled || groups.length === 0}
      onChange={event => {
        const choice = parseChoiceKey(event.target.value);
        if (choice) {
          props.onChange(choice);
        }
      }}
    >
      {!known && (
        <option value="" disabled>
          {trans.__('Choose a model')}
        </option>
      )}
      {groups.map(group => (
        <optgroup key={group.name} label={group.label}>
          {group.models.map(model => (
            <option
              key={model.id}
              value={choiceKey({ provider: group.name, model: model.id })}
              title={describe(model, trans)}
            >
              {model.toolModeLearned
                ? trans.__('%1 (code blocks)', model.id)
                : model.id}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
