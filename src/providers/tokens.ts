import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { IStatusDefaults, ModelChoices } from './choices';
import type { IProvidersClient } from './client';
import type { IModelChoice } from './types';

/** Model providers: the per-notebook model choice and the settings dialog. */
export interface IModelProviders {
  /** The model chosen for each notebook. */
  readonly choices: ModelChoices;
  /** The REST client of the providers API. */
  readonly client: IProvidersClient;
  /** Emitted after the settings dialog changed providers or keys. */
  readonly settingsChanged: ISignal<IModelProviders, void>;
  /** Open the providers settings dialog. */
  openSettings(): Promise<void>;
  /** Let a model that was seen writing fenced code try tool calls again. */
  resetMode(choice: IModelChoice): Promise<void>;
  /**
   * The model a turn in `notebook` runs with, as the picker shows it: the
   * notebook's choice if still offered, else the `defaultModel` setting if
   * offered, else the model used last if offered, else the server's default
   * (null: let the server pick).
   */
  modelFor(
    notebook: string,
    status: IStatusDefaults | null,
    settingModel: string
  ): IModelChoice | null;
}

/** The model providers service. */
export const IModelProviders = new Token<IModelProviders>(
  'jupyter-code-interp:IModelProviders',
  'Model choice per notebook and the language model providers settings.'
);
