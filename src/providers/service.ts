import { Signal } from '@lumino/signaling';

import { effectiveChoice, IStatusDefaults, ModelChoices } from './choices';
import type { IProvidersClient } from './client';
import type { IModelProviders } from './tokens';
import type { IModelChoice } from './types';

/** The model providers service behind the `IModelProviders` token. */
export class ModelProviders implements IModelProviders {
  /** A service over `client`; `openDialog` shows the settings dialog. */
  constructor(options: ModelProviders.IOptions) {
    this.client = options.client;
    this.choices = options.choices;
    this._openDialog = options.openDialog;
  }

  /** The model chosen for each notebook. */
  readonly choices: ModelChoices;

  /** The REST client of the providers API. */
  readonly client: IProvidersClient;

  /** Emitted after the settings dialog changed providers or keys. */
  get settingsChanged(): Signal<this, void> {
    return this._settingsChanged;
  }

  /** Open the providers settings dialog (refreshes the panel if anything changed). */
  async openSettings(): Promise<void> {
    let changed = false;
    await this._openDialog(() => {
      changed = true;
    });
    if (changed) {
      this._settingsChanged.emit();
    }
  }

  /** Let a model that was seen writing fenced code try tool calls again (refreshes the panel). */
  async resetMode(choice: IModelChoice): Promise<void> {
    await this.client.resetMode(choice.provider, choice.model);
    this._settingsChanged.emit();
  }

  /** The model of the next turn in `notebook`, as the picker shows it. */
  modelFor(
    notebook: string,
    status: IStatusDefaults | null,
    settingModel: string
  ): IModelChoice | null {
    return effectiveChoice(
      this.choices.get(notebook),
      status,
      settingModel,
      this.choices.last
    );
  }

  private _openDialog: (onChanged: () => void) => Promise<void>;
  private _settingsChanged = new Signal<this, void>(this);
}

/** Namespace for `ModelProviders` types. */
export namespace ModelProviders {
  /** Construction options. */
  export interface IOptions {
    /** The REST client. */
    client: IProvidersClient;
    /** The per-notebook choices. */
    choices: ModelChoices;
    /** Show the settings dialog; call `onChanged` after any change. */
    openDialog: (onChanged: () => void) => Promise<void>;
  }
}
