import type { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import { CodeInterpreterController } from '../controller';
import { IStepEntry } from '../conversation';
import type { IExecutionResult } from '../protocol';
import type { ConversationStore } from '../store';
import {
  FAKE_CONTEXT,
  FakeExecutor,
  fakeController,
  FakeWebSocket,
  flush,
  IFakeController,
  pathPanel,
  READY_STATUS
} from './fakes';

describe('CodeInterpreterController', () => {
  let fake: IFakeController;
  let store: ConversationStore;
  let executor: FakeExecutor;
  let controller: CodeInterpreterController;
  let ws: FakeWebSocket;

  beforeEach(() => {
    fake = fakeController({ fetchStatus: async () => READY_STATUS });
    ({ controller, store, executor } = fake);
    ws = fake.open();
  });

  afterEach(() => fake.dispose());

  async function startTurn(path = 'a.ipynb', text = '画图'): Promise<string> {
    const turnId = controller.startTurn(pathPanel(path), text)!;
    await flush();
    return turnId;
  }

  it('sends a turn frame with the user settings and captures the notebook', async () => {
    const panel = pathPanel('数据/a.ipynb');
    const turnId = controller.startTurn(panel, '  画一个直方图  ');
    await flush();
    expect(ws.frames).toEqual([
      {
        type: 'turn',
        turnId,
        notebook: '数据/a.ipynb',
        instruction: '画一个直方图',
        maxSteps: 7,
        outputLimit: 1234,
        maxFixAttempts: 3,
        computeFigures: false,
        context: FAKE_CONTEXT
      }
    ]);
    expect(executor.begun).toEqual([[turnId, panel]]);
    expect(store.isBusy('数据/a.ipynb')).toBe(true);
  });

  it('sends the model only when one is set', async () => {
    fake.settings = { ...fake.settings, defaultModel: 'gpt-x' };
    await startTurn();
    expect(ws.frames[0].model).toBe('gpt-x');
  });

  it('leaves limits it has no settings for to the server, and cuts outputs at the server’s', async () => {
    fake.settings = {};
    store.setStatus({ loading: false, status: READY_STATUS, fetchError: null });
    const turnId = await startTurn();
    const frame = ws.frames[0];
    expect(
      ['maxSteps', 'outputLimit', 'maxFixAttempts', 'computeFigures'].filter(
        key => key in frame
      )
    ).toEqual([]);
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r1',
      step: 1,
      code: 'x'
    });
    expect(executor.calls[0].options.outputLimit).toBe(
      READY_STATUS.outputLimit
    );
  });

  it('refuses empty instructions and a second turn in a busy notebook', async () => {
    expect(controller.startTurn(pathPanel('a.ipynb'), '   ')).toBeNull();
    await startTurn('a.ipynb');
    expect(controller.startTurn(pathPanel('a.ipynb'), 'again')).toBeNull();
    expect(controller.startTurn(pathPanel('b.ipynb'), 'other')).not.toBeNull();
  });

  it('runs execute_requests through the executor and returns the result', async () => {
    const turnId = await startTurn();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'a.ipynb',
      model: 'm'
    });
    ws.receive({ type: 'step_started', turnId, step: 1, code: 'print(1)' });
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r1',
      step: 1,
      code: 'print(1)'
    });
    expect(executor.calls).toHaveLength(1);
    expect(executor.calls[0].code).toBe('print(1)');
    expect(executor.calls[0].options.outputLimit).toBe(1234);

    executor.calls[0].options.onInserted?.('cell-1', 3);
    const step = store.get('a.ipynb').entries[1] as IStepEntry;
    expect(step).toMatchObject({ cellId: 'cell-1', cellIndex: 3 });

    const result: IExecutionResult = {
      outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }],
      executionCount: 4,
      cellId: 'cell-1',
      cellIndex: 3
    };
    executor.pending[0].resolve(result);
    await flush();
    expect(ws.frames[1]).toEqual({
      type: 'execute_result',
      requestId: 'r1',
      result
    });
  });

  it('reports why code could not run', async () => {
    const turnId = await startTurn();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'a.ipynb',
      model: 'm'
    });
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r2',
      step: 1,
      code: 'x'
    });
    executor.pending[0].reject(
      new Error('The notebook a.ipynb has no kernel.')
    );
    await flush();
    expect(ws.frames[1]).toEqual({
      type: 'execute_result',
      requestId: 'r2',
      error: 'The notebook a.ipynb has no kernel.'
    });
  });

  it('does not answer for a turn that ended meanwhile, and forgets it', async () => {
    const turnId = await startTurn();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r3',
      step: 1,
      code: 'x'
    });
    ws.receive({ type: 'turn_finished', turnId, reason: 'stopped' });
    expect(executor.ended).toEqual([turnId]);
    executor.pending[0].resolve({
      outputs: [],
      executionCount: 1,
      cellId: 'c',
      cellIndex: 0
    });
    await flush();
    expect(ws.frames.map(f => f.type)).toEqual(['turn']);
    expect(store.isBusy('a.ipynb')).toBe(false);
  });

  it('stops: sends stop and interrupts the kernel', async () => {
    const turnId = await startTurn();
    controller.stop('a.ipynb');
    expect(ws.frames[1]).toEqual({ type: 'stop', turnId });
    expect(executor.interrupted).toEqual([turnId]);
  });

  it('resets a notebook’s conversation, not while a turn runs', async () => {
    const turnId = await startTurn();
    controller.reset('a.ipynb');
    expect(ws.frames).toHaveLength(1);
    ws.receive({ type: 'turn_finished', turnId, reason: 'done' });
    controller.reset('a.ipynb');
    expect(ws.frames[1]).toEqual({
      type: 'new_conversation',
      notebook: 'a.ipynb'
    });
    expect(store.get('a.ipynb').entries).toEqual([]);
  });

  it('asks for the status again when a model was learned to write code blocks', async () => {
    let fetched = 0;
    const counting = fakeController({
      fetchStatus: async () => {
        fetched += 1;
        return READY_STATUS;
      }
    });
    const socket = counting.open();
    const turnId = counting.controller.startTurn(pathPanel('a.ipynb'), 'x')!;
    await flush();
    socket.receive({ type: 'turn_finished', turnId, reason: 'done' });
    await flush();
    expect(fetched).toBe(0);
    const second = counting.controller.startTurn(pathPanel('a.ipynb'), 'y')!;
    await flush();
    socket.receive({
      type: 'turn_finished',
      turnId: second,
      reason: 'done',
      toolModeLearned: true
    });
    await flush();
    expect(fetched).toBe(1);
    counting.dispose();
  });

  it('ends running turns when the connection is lost', async () => {
    const turnId = await startTurn();
    ws.drop();
    expect(store.isBusy('a.ipynb')).toBe(false);
    expect(store.connection).toBe('disconnected');
    const last = store.get('a.ipynb').entries.slice(-1)[0];
    expect(last).toMatchObject({ kind: 'notice', reason: 'error' });
    expect(executor.ended).toEqual([turnId]);
  });

  it('forgets a turn the server refused', async () => {
    const turnId = await startTurn();
    ws.receive({ type: 'error', turnId, message: 'A turn already runs' });
    expect(store.isBusy('a.ipynb')).toBe(false);
    expect(executor.ended).toEqual([turnId]);
  });

  it('waits for the connection before sending a turn', async () => {
    ws.drop();
    const turnId = controller.startTurn(pathPanel('a.ipynb'), 'go');
    await flush();
    const next = FakeWebSocket.last;
    expect(next).not.toBe(ws);
    expect(next.sent).toEqual([]);
    next.open();
    await flush();
    expect(next.frames).toEqual([
      expect.objectContaining({ type: 'turn', turnId })
    ]);
  });

  it('passes replaceCellId of an execute_request to the executor', async () => {
    const turnId = await startTurn();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r9',
      step: 2,
      code: 'print(1 / 1)',
      replaceCellId: 'cell-1'
    });
    expect(executor.calls[0].code).toBe('print(1 / 1)');
    expect(executor.calls[0].options.replaceCellId).toBe('cell-1');
  });

  it('sends the turn without context when gathering it takes too long', async () => {
    jest.useFakeTimers();
    try {
      executor.context = null;
      const turnId = controller.startTurn(pathPanel('a.ipynb'), 'go');
      await flush();
      expect(ws.frames).toEqual([]);
      await jest.advanceTimersByTimeAsync(5000);
      expect(ws.frames).toHaveLength(1);
      expect(ws.frames[0]).toMatchObject({ type: 'turn', turnId });
      expect(ws.frames[0]).not.toHaveProperty('context');
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends the turn without context when gathering it fails', async () => {
    executor.notebookContext = () => {
      throw new TypeError('no notebook model');
    };
    const turnId = await startTurn();
    expect(ws.frames).toHaveLength(1);
    expect(ws.frames[0]).toMatchObject({ type: 'turn', turnId });
    expect(ws.frames[0]).not.toHaveProperty('context');
  });

  it('a turn stopped before its frame was sent ends here and is never sent', async () => {
    jest.useFakeTimers();
    try {
      executor.context = null;
      const turnId = controller.startTurn(pathPanel('a.ipynb'), 'go')!;
      controller.stop('a.ipynb');
      expect(store.isBusy('a.ipynb')).toBe(false);
      expect(executor.ended).toEqual([turnId]);
      await jest.advanceTimersByTimeAsync(5000);
      expect(ws.frames).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fetches the status and reports when the server does not answer', async () => {
    await controller.refreshStatus();
    expect(store.status).toEqual({
      loading: false,
      status: READY_STATUS,
      fetchError: null
    });
    const failing = new CodeInterpreterController({
      socket: fake.socket,
      store,
      executor,
      fetchStatus: async () => {
        throw new Error('404 Not Found');
      }
    });
    await failing.refreshStatus();
    expect(store.status.status).toBeNull();
    expect(store.status.fetchError).toContain('404 Not Found');
    failing.dispose();
  });

  it('names the notebook’s kernel, so that the server can interrupt a cell the page left running', async () => {
    const panel = {
      context: { path: 'k.ipynb' },
      sessionContext: { session: { kernel: { id: 'kernel-42' } } }
    } as unknown as NotebookPanel;
    controller.startTurn(panel, 'sleep');
    await flush();
    expect(ws.frames[0].kernelId).toBe('kernel-42');
    // A notebook without a kernel yet says nothing.
    controller.startTurn(pathPanel('none.ipynb'), 'sleep');
    await flush();
    expect('kernelId' in ws.frames[1]).toBe(false);
  });

  it('tells the executor which cells the conversation wrote, the most recent first', async () => {
    const turnId = await startTurn();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'a.ipynb',
      model: 'm'
    });
    for (const [step, cellId] of [
      [1, 'c-1'],
      [2, 'c-2']
    ] as const) {
      ws.receive({ type: 'step_started', turnId, step, code: 'x' });
      ws.receive({ type: 'step_finished', turnId, step, status: 'ok', cellId });
    }
    ws.receive({ type: 'turn_finished', turnId, reason: 'done' });
    await startTurn();
    expect(executor.placements.map(p => p.written)).toEqual([
      [],
      ['c-2', 'c-1']
    ]);
  });

  it('retries a failed turn with the same instruction and attachments', async () => {
    const panel = pathPanel('r.ipynb');
    const file = { path: 'data/gdp.csv', name: 'gdp.csv', size: 12 };
    const turnId = controller.startTurn(panel, '分析 GDP', [file])!;
    await flush();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'r.ipynb',
      model: 'm'
    });
    ws.receive({
      type: 'turn_finished',
      turnId,
      reason: 'error',
      message: 'The provider rejected the API key (401).'
    });
    const again = controller.retry(panel, turnId);
    await flush();
    expect(again).not.toBeNull();
    expect(again).not.toBe(turnId);
    expect(ws.frames[1]).toMatchObject({
      type: 'turn',
      turnId: again,
      instruction: '分析 GDP',
      attachments: ['data/gdp.csv']
    });
    expect(controller.retry(panel, 'no-such-turn')).toBeNull();
  });

  it('asks for the status in the panel’s language', async () => {
    const urls: string[] = [];
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: async (input: RequestInfo | URL) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return new Response(JSON.stringify(READY_STATUS), { status: 200 });
      }
    });
    const localized = new CodeInterpreterController({
      socket: fake.socket,
      store,
      executor,
      serverSettings,
      locale: 'zh-CN'
    });
    await localized.refreshStatus();
    localized.dispose();
    expect(urls[0]).toContain('/code-interp/status?locale=zh-CN');
  });
});
