import { URLExt } from '@jupyterlab/coreutils';

import { ServerConnection } from '@jupyterlab/services';

/** The server extension's URL namespace (REST and WebSocket). */
export const API_NAMESPACE = 'code-interp';

/**
 * Call the server extension
 *
 * @param endPoint API REST end point for the extension
 * @param serverSettings The server settings to use for the request
 * @param init Initial values for the request
 * @returns The response body interpreted as JSON
 */
export async function requestAPI<T>(
  endPoint: string,
  serverSettings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  // Make request to Jupyter API
  const requestUrl = URLExt.join(
    serverSettings.baseUrl,
    API_NAMESPACE, // our server extension's API namespace
    endPoint
  );

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      requestUrl,
      init,
      serverSettings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as any);
  }

  let data: any = await response.text();

  if (data.length > 0) {
    try {
      data = JSON.parse(data);
    } catch {
      console.log('Not a JSON response body.', response);
    }
  }

  if (!response.ok) {
    throw new ServerConnection.ResponseError(response, data.message || data);
  }

  return data;
}

/**
 * A request made once, when first needed, whose answer is kept; a failed
 * request is forgotten, so that the next `get` tries again.
 */
export class CachedRequest<T> {
  /** Cache what `request` resolves with. */
  constructor(request: () => Promise<T>) {
    this._request = request;
  }

  /** The answer (requested now if it is not kept yet). */
  get(): Promise<T> {
    if (!this._promise) {
      this._promise = this._request().catch(reason => {
        this._promise = null;
        throw reason;
      });
    }
    return this._promise;
  }

  /** Request now, so that nobody waits later; a failure is tried again when needed. */
  preload(): void {
    void this.get().catch(() => undefined);
  }

  private _request: () => Promise<T>;
  private _promise: Promise<T> | null = null;
}
