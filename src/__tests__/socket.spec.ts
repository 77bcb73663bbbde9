import { ChatSocket, chatSocketUrl, ConnectionStatus } from '../socket';
import { ServerFrame } from '../protocol';
import { FakeWebSocket, fakeSettings } from './fakes';

describe('chatSocketUrl', () => {
  it('appends the token when the settings ask for it', () => {
    expect(chatSocketUrl(fakeSettings('a b&c'))).toBe(
      'ws://localhost:8888/base/code-interp/chat?token=a%20b%26c'
    );
  });

  it('leaves the token out otherwise', () => {
    expect(chatSocketUrl(fakeSettings('tok', false))).toBe(
      'ws://localhost:8888/base/code-interp/chat'
    );
    expect(chatSocketUrl(fakeSettings('', true))).toBe(
      'ws://localhost:8888/base/code-interp/chat'
    );
  });

  it('tells the server the panel’s language', () => {
    expect(chatSocketUrl(fakeSettings('tok'), 'zh-CN')).toBe(
      'ws://localhost:8888/base/code-interp/chat?token=tok&locale=zh-CN'
    );
    expect(chatSocketUrl(fakeSettings('', false), 'zh-CN')).toBe(
      'ws://localhost:8888/base/code-interp/chat?locale=zh-CN'
    );
  });
});

describe('ChatSocket', () => {
  let socket: ChatSocket;
  let statuses: ConnectionStatus[];
  let frames: ServerFrame[];

  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.instances = [];
    socket = new ChatSocket({
      serverSettings: fakeSettings(),
      minReconnectDelay: 100,
      maxReconnectDelay: 1000
    });
    statuses = [];
    frames = [];
    socket.connectionStatusChanged.connect((_, s) => statuses.push(s));
    socket.messageReceived.connect((_, f) => frames.push(f));
  });

  afterEach(() => {
    socket.dispose();
    jest.useRealTimers();
  });

  it('connects, resolves ready and emits parsed frames', async () => {
    socket.connect();
    socket.connect(); // no second socket while one is opening
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toBe(
      'ws://localhost:8888/base/code-interp/chat?token=secret-token'
    );
    FakeWebSocket.last.open();
    await socket.ready;
    expect(statuses).toEqual(['connecting', 'connected']);
    FakeWebSocket.last.receive({ type: 'text', turnId: 't', delta: '你好😀' });
    FakeWebSocket.last.receive('not json');
    FakeWebSocket.last.receive({ type: 'nonsense' });
    expect(frames).toEqual([{ type: 'text', turnId: 't', delta: '你好😀' }]);
  });

  it('sends JSON frames and refuses to send while disconnected', () => {
    expect(() => socket.send({ type: 'reset', notebook: 'a.ipynb' })).toThrow();
    socket.connect();
    FakeWebSocket.last.open();
    socket.send({ type: 'reset', notebook: '数据/a.ipynb' });
    expect(FakeWebSocket.last.sent).toEqual([
      '{"type":"reset","notebook":"数据/a.ipynb"}'
    ]);
  });

  it('reconnects with a growing delay and a fresh ready promise', async () => {
    socket.connect();
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    expect(socket.connectionStatus).toBe('disconnected');
    let ready = false;
    void socket.ready.then(() => (ready = true));

    jest.advanceTimersByTime(100);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.drop(); // second attempt fails: next wait is 200 ms

    jest.advanceTimersByTime(150);
    expect(FakeWebSocket.instances).toHaveLength(2);
    jest.advanceTimersByTime(50);
    expect(FakeWebSocket.instances).toHaveLength(3);
    await Promise.resolve();
    expect(ready).toBe(false);

    FakeWebSocket.last.open();
    await socket.ready;
    expect(ready).toBe(true);
    expect(socket.connectionStatus).toBe('connected');

    FakeWebSocket.last.drop(); // success reset the backoff
    jest.advanceTimersByTime(100);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });

  it('caps the reconnect delay', () => {
    socket.connect();
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last.drop();
      jest.advanceTimersByTime(1000);
    }
    expect(FakeWebSocket.instances).toHaveLength(7);
  });

  it('closes for good on dispose', () => {
    socket.connect();
    const ws = FakeWebSocket.last;
    ws.open();
    socket.dispose();
    expect(ws.closed).toBe(true);
    expect(socket.isDisposed).toBe(true);
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
