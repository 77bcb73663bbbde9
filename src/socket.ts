import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { ClientFrame, parseServerFrame, ServerFrame } from './protocol';
import { API_NAMESPACE } from './request';

/** State of the chat WebSocket. */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

/**
 * Build the chat WebSocket URL, with the token when the settings ask for it
 * and the panel's language (the server's messages are translated into it).
 */
export function chatSocketUrl(
  settings: ServerConnection.ISettings,
  locale = ''
): string {
  const url = URLExt.join(settings.wsUrl, API_NAMESPACE, 'chat');
  const query: string[] = [];
  if (settings.appendToken && settings.token !== '') {
    query.push(`token=${encodeURIComponent(settings.token)}`);
  }
  if (locale) {
    query.push(`locale=${encodeURIComponent(locale)}`);
  }
  return query.length ? `${url}?${query.join('&')}` : url;
}

/**
 * The chat WebSocket to the server: parses frames, reconnects with backoff.
 */
export class ChatSocket {
  /** Create a socket; it connects on `connect()`. */
  constructor(options: ChatSocket.IOptions = {}) {
    this._settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._locale = options.locale ?? '';
    this._minDelay = options.minReconnectDelay ?? 500;
    this._maxDelay = options.maxReconnectDelay ?? 30000;
  }

  /** Emitted for every valid frame from the server. */
  get messageReceived(): ISignal<this, ServerFrame> {
    return this._messageReceived;
  }

  /** Emitted when the connection status changes. */
  get connectionStatusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  /** Current connection status. */
  get connectionStatus(): ConnectionStatus {
    return this._status;
  }

  /** Resolves when the socket is (next) connected. */
  get ready(): Promise<void> {
    return this._ready.promise;
  }

  /** Whether the socket is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Open the connection if it is not open or opening. */
  connect(): void {
    if (this._isDisposed || this._ws !== null) {
      return;
    }
    if (this._reconnectTimer !== null) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
    }
    this._setStatus('connecting');
    const ws = new this._settings.WebSocket(
      chatSocketUrl(this._settings, this._locale)
    );
    this._ws = ws;
    ws.onopen = () => {
      if (ws !== this._ws) {
        return;
      }
      this._attempts = 0;
      this._setStatus('connected');
      this._ready.resolve();
    };
    ws.onmessage = (event: MessageEvent) => {
      if (ws !== this._ws) {
        return;
      }
      const frame = parseServerFrame(event.data);
      if (frame === null) {
        console.warn('jupyter-code-interp: ignored an unknown frame');
        return;
      }
      this._messageReceived.emit(frame);
    };
    ws.onclose = () => {
      if (ws !== this._ws) {
        return;
      }
      this._ws = null;
      this._onClosed();
    };
    ws.onerror = () => {
      // A `close` event always follows; reconnection is handled there.
    };
  }

  /** Send a frame; throws when the socket is not connected. */
  send(frame: ClientFrame): void {
    const ws = this._ws;
    if (ws === null || this._status !== 'connected') {
      throw new Error('not connected');
    }
    ws.send(JSON.stringify(frame));
  }

  /** Close the socket for good. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._reconnectTimer !== null) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
    }
    const ws = this._ws;
    this._ws = null;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
    }
    this._setStatus('disconnected');
    Signal.clearData(this);
  }

  private _onClosed(): void {
    if (this._status === 'connected') {
      this._ready = new PromiseDelegate<void>();
    }
    this._setStatus('disconnected');
    if (this._isDisposed) {
      return;
    }
    const delay = Math.min(
      this._maxDelay,
      this._minDelay * Math.pow(2, this._attempts)
    );
    this._attempts += 1;
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private _setStatus(status: ConnectionStatus): void {
    if (this._status !== status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _settings: ServerConnection.ISettings;
  private _locale: string;
  private _minDelay: number;
  private _maxDelay: number;
  private _ws: WebSocket | null = null;
  private _status: ConnectionStatus = 'disconnected';
  private _ready = new PromiseDelegate<void>();
  private _attempts = 0;
  private _reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private _messageReceived = new Signal<this, ServerFrame>(this);
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
}

/** Namespace for `ChatSocket` types. */
export namespace ChatSocket {
  /** Construction options. */
  export interface IOptions {
    /** Server settings (URL, token, WebSocket constructor). */
    serverSettings?: ServerConnection.ISettings;
    /** First reconnect delay in ms (doubles each attempt). */
    minReconnectDelay?: number;
    /** Longest reconnect delay in ms. */
    maxReconnectDelay?: number;
    /** The panel's language (e.g. `zh-CN`): the server's messages come in it. */
    locale?: string;
  }
}
