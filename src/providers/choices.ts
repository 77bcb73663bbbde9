/**
 * The model chosen for each notebook's conversation, remembered across
 * reloads (IStateDB), and how a choice is matched against what the server
 * offers. Plain TypeScript, no DOM.
 */

import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import type { IModelChoice, IModelInfo, IProviderStatus } from './types';

/** The IStateDB key the choices are kept under. */
export const CHOICES_STATE_KEY = 'jupyter-code-interp:model-choices';

/** The IStateDB key of the model used last (a new notebook starts on it). */
export const LAST_MODEL_STATE_KEY = 'jupyter-code-interp:last-model';

/** The `<option>` value of a choice (model ids may contain any character). */
export function choiceKey(choice: IModelChoice): string {
  return JSON.stringify([choice.provider, choice.model]);
}

/** The choice an `<option>` value stands for; null when it is not one. */
export function parseChoiceKey(key: string): IModelChoice | null {
  try {
    const value: unknown = JSON.parse(key);
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { provider: value[0], model: value[1] };
    }
  } catch {
    // not a choice key
  }
  return null;
}

/** The models of the providers that can be used now. */
export function usableModels(
  providers: readonly IProviderStatus[]
): IModelInfo[] {
  const models: IModelInfo[] = [];
  for (const provider of providers) {
    if (provider.ready) {
      models.push(...provider.models);
    }
  }
  return models;
}

/** Whether the server offers `choice` now. */
export function isOffered(
  choice: IModelChoice,
  providers: readonly IProviderStatus[]
): boolean {
  return usableModels(providers).some(
    model => model.provider === choice.provider && model.id === choice.model
  );
}

/** What the server status says about the default model. */
export interface IStatusDefaults {
  providers?: IProviderStatus[];
  defaultProvider?: string | null;
  defaultModel?: string | null;
}

/**
 * The model a notebook's next turn uses, as the picker shows it: its own
 * choice if still offered, else the `defaultModel` setting if some provider
 * offers it, else the model used last (in any notebook) if still offered, else
 * the server's default.
 */
export function effectiveChoice(
  choice: IModelChoice | null,
  status: IStatusDefaults | null,
  settingModel = '',
  last: IModelChoice | null = null
): IModelChoice | null {
  const providers = status?.providers ?? [];
  if (choice && isOffered(choice, providers)) {
    return choice;
  }
  if (settingModel) {
    const model = usableModels(providers).find(m => m.id === settingModel);
    if (model) {
      return { provider: model.provider, model: model.id };
    }
  }
  if (last && isOffered(last, providers)) {
    return last;
  }
  if (status?.defaultProvider && status.defaultModel) {
    return { provider: status.defaultProvider, model: status.defaultModel };
  }
  return null;
}

/** Per-notebook model choices, persisted in the state database when given. */
export class ModelChoices {
  /** Load the remembered choices (if a state database is given). */
  constructor(state: IStateDB | null = null) {
    this._state = state;
    this.ready = state ? this._load(state) : Promise.resolve();
  }

  /** Resolves once remembered choices are loaded. */
  readonly ready: Promise<void>;

  /** Emitted after a choice changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The choice made for a notebook, if any. */
  get(notebook: string): IModelChoice | null {
    return this._choices.get(notebook) ?? null;
  }

  /** The model used last, in any notebook (picked, or a turn ran with it). */
  get last(): IModelChoice | null {
    return this._last;
  }

  /** Remember (or with null, forget) the choice of a notebook. */
  set(notebook: string, choice: IModelChoice | null): void {
    if (choice) {
      this._choices.set(notebook, { ...choice });
      this._last = { ...choice };
    } else {
      this._choices.delete(notebook);
    }
    this._changed.emit();
    void this._save();
  }

  /** A turn ran with `choice`: a new notebook starts on it. */
  used(choice: IModelChoice): void {
    if (
      this._last?.provider === choice.provider &&
      this._last.model === choice.model
    ) {
      return;
    }
    this._last = { ...choice };
    this._changed.emit();
    void this._save();
  }

  /** Follow a notebook that was renamed or moved. */
  rename(oldPath: string, newPath: string): void {
    const choice = this._choices.get(oldPath);
    if (choice) {
      this._choices.delete(oldPath);
      this.set(newPath, choice);
    }
  }

  private async _load(state: IStateDB): Promise<void> {
    try {
      const last = (await state.fetch(LAST_MODEL_STATE_KEY)) as
        Partial<IModelChoice> | undefined;
      if (
        this._last === null &&
        typeof last?.provider === 'string' &&
        typeof last.model === 'string'
      ) {
        this._last = { provider: last.provider, model: last.model };
      }
      const saved = (await state.fetch(CHOICES_STATE_KEY)) as
        ReadonlyPartialJSONObject | undefined;
      for (const [notebook, value] of Object.entries(saved ?? {})) {
        const choice = value as Partial<IModelChoice> | null;
        if (
          choice &&
          typeof choice.provider === 'string' &&
          typeof choice.model === 'string' &&
          !this._choices.has(notebook)
        ) {
          this._choices.set(notebook, {
            provider: choice.provider,
            model: choice.model
          });
        }
      }
    } catch (reason) {
      console.warn('jupyter-code-interp: could not load model choices', reason);
    }
    this._changed.emit();
  }

  private async _save(): Promise<void> {
    if (!this._state) {
      return;
    }
    const value: Record<string, { provider: string; model: string }> = {};
    for (const [notebook, choice] of this._choices) {
      value[notebook] = { provider: choice.provider, model: choice.model };
    }
    try {
      await this._state.save(CHOICES_STATE_KEY, value);
      if (this._last) {
        await this._state.save(LAST_MODEL_STATE_KEY, { ...this._last });
      }
    } catch (reason) {
      console.warn('jupyter-code-interp: could not save model choices', reason);
    }
  }

  private _state: IStateDB | null;
  private _last: IModelChoice | null = null;
  private _choices = new Map<string, IModelChoice>();
  private _changed = new Signal<this, void>(this);
}
