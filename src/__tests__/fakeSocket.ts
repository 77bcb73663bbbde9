import { ServerConnection } from '@jupyterlab/services';

/** A WebSocket stand-in driven by the test. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
  }

  /** The server accepts the connection. */
  open(): void {
    this.onopen?.({});
  }

  /** The server sends a frame (or raw text). */
  receive(frame: unknown): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.onmessage?.({ data });
  }

  /** The connection drops. */
  drop(): void {
    this.onclose?.({ code: 1006 });
  }

  /** Frames the client sent, parsed. */
  get frames(): any[] {
    return this.sent.map(s => JSON.parse(s));
  }

  url: string;
  sent: string[] = [];
  closed = false;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
}

/** Server settings that build FakeWebSockets. */
export function fakeSettings(
  token = 'secret-token',
  appendToken = true
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/base/',
    wsUrl: 'ws://localhost:8888/base/',
    token,
    appendToken,
    WebSocket: FakeWebSocket as unknown as typeof WebSocket
  });
}
