import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';
import {
  IConnectionResult,
  IProviderListing,
  IProviderUpdate,
  IProviderView
} from './types';

/** What the providers dialog needs from the server (a fake in tests). */
export interface IProvidersClient {
  /** Every provider, the presets and any problem. */
  list(): Promise<IProviderListing>;
  /** Add or change a provider and/or its key. */
  save(name: string, update: IProviderUpdate): Promise<IProviderView>;
  /** Remove a dialog provider, or the stored key of a configured one. */
  remove(name: string): Promise<void>;
  /** Test the connection (and a model) of a provider; a listing it gets is kept. */
  test(name: string, model?: string): Promise<IConnectionResult>;
  /** Let an `auto` model that was seen writing fenced code try tool calls again. */
  resetMode(name: string, model: string): Promise<IProviderView>;
}

/** The REST client of `/code-interp/providers` (XSRF and token through requestAPI). */
export class ProvidersClient implements IProvidersClient {
  /** A client for the server of `serverSettings`. */
  constructor(serverSettings: ServerConnection.ISettings) {
    this._settings = serverSettings;
  }

  /** Every provider, the presets and any problem. */
  list(): Promise<IProviderListing> {
    return requestAPI<IProviderListing>('providers', this._settings);
  }

  /** Add or change a provider and/or its key. */
  save(name: string, update: IProviderUpdate): Promise<IProviderView> {
    return requestAPI<IProviderView>(this._path(name), this._settings, {
      method: 'PUT',
      body: JSON.stringify(update)
    });
  }

  /** Remove a dialog provider, or the stored key of a configured one. */
  async remove(name: string): Promise<void> {
    await requestAPI<unknown>(this._path(name), this._settings, {
      method: 'DELETE'
    });
  }

  /** Test the connection (and a model) of a provider. */
  test(name: string, model?: string): Promise<IConnectionResult> {
    return requestAPI<IConnectionResult>(
      `${this._path(name)}/test`,
      this._settings,
      { method: 'POST', body: JSON.stringify(model ? { model } : {}) }
    );
  }

  /** Let an `auto` model that was seen writing fenced code try tool calls again. */
  resetMode(name: string, model: string): Promise<IProviderView> {
    return requestAPI<IProviderView>(
      `${this._path(name)}/reset-mode`,
      this._settings,
      { method: 'POST', body: JSON.stringify({ model }) }
    );
  }

  private _path(name: string): string {
    return `providers/${encodeURIComponent(name)}`;
  }

  private _settings: ServerConnection.ISettings;
}
