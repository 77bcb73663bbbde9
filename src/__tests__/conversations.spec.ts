/**
 * Stored conversations in the panel: history replay through the live
 * reducer, approval (auto-run off), undo, the conversation list.
 */
import type { CodeInterpreterController } from '../controller';
import { replayHistory } from '../history';
import {
  applyFrame,
  beginTurn,
  emptyConversation,
  IConversation,
  IStepEntry
} from '../conversation';
import { IHistoryFrame, ITurnRecord, ServerFrame } from '../protocol';
import { ConversationStore } from '../store';
import {
  FakeExecutor,
  fakeController,
  FakeWebSocket,
  flush,
  IFakeController,
  pathPanel
} from './fakes';

function record(
  turnId: string,
  instruction: string,
  events: ServerFrame[],
  change: Partial<ITurnRecord> = {}
): ITurnRecord {
  return {
    turnId,
    instruction,
    attachments: [],
    provider: 'default',
    model: 'm',
    startedAt: '2026-11-23T10:00:00Z',
    finishedAt: '2026-11-23T10:01:00Z',
    events,
    reason: 'done',
    message: null,
    usage: null,
    undoable: false,
    ...change
  };
}

/** A finished turn that ran one cell and answered. */
function finishedTurn(turnId: string, undoable = false): ITurnRecord {
  return record(
    turnId,
    `画图 ${turnId}`,
    [
      {
        type: 'turn_started',
        turnId,
        notebook: 'a.ipynb',
        model: 'm',
        instruction: `画图 ${turnId}`
      },
      { type: 'step_started', turnId, step: 1, code: 'plot()' },
      {
        type: 'step_finished',
        turnId,
        step: 1,
        status: 'ok',
        executionCount: 3,
        cellId: `cell-${turnId}`,
        cellIndex: 1,
        images: [{ mime: 'image/png', data: 'iVBORw0KGgo=' }]
      },
      { type: 'text', turnId, delta: '这是**结果**。' },
      { type: 'turn_finished', turnId, reason: 'done' }
    ],
    { undoable }
  );
}

function history(
  turns: ITurnRecord[],
  runningTurnId: string | null = null
): IHistoryFrame {
  return {
    type: 'history',
    notebook: 'a.ipynb',
    conversationId: 'conv-1',
    title: '画图',
    turns,
    runningTurnId
  };
}

function kinds(conv: IConversation): string[] {
  return conv.entries.map(e => e.kind);
}

describe('history replay', () => {
  it('rebuilds each turn like the live frames did', () => {
    const turn = finishedTurn('t1', true);
    const live = turn.events.reduce(
      applyFrame,
      beginTurn(emptyConversation('a.ipynb'), 't1', turn.instruction)
    );
    const replayed = replayHistory(
      emptyConversation('a.ipynb'),
      history([turn]),
      null
    );
    expect(replayed.entries).toEqual(live.entries);
    expect(kinds(replayed)).toEqual(['user', 'step', 'assistant', 'notice']);
    expect(replayed.turn).toBeNull();
    expect(replayed.conversationId).toBe('conv-1');
    expect(replayed.undoableTurnId).toBe('t1');
    const step = replayed.entries[1] as IStepEntry;
    expect(step).toMatchObject({
      status: 'ok',
      cellId: 'cell-t1',
      images: [{ mime: 'image/png', data: 'iVBORw0KGgo=' }]
    });
  });

  it('shows attachments by path and only the last undoable turn', () => {
    const first = finishedTurn('t1');
    const second = {
      ...finishedTurn('t2', true),
      attachments: ['数据/gdp.csv']
    };
    const conv = replayHistory(
      emptyConversation('a.ipynb'),
      history([first, second]),
      null
    );
    const users = conv.entries.filter(e => e.kind === 'user');
    expect(users.map(u => u.kind === 'user' && u.text)).toEqual([
      '画图 t1',
      '画图 t2'
    ]);
    expect(users[1]).toMatchObject({
      attachments: [{ path: '数据/gdp.csv', name: 'gdp.csv' }]
    });
    expect(conv.undoableTurnId).toBe('t2');
    expect(new Set(conv.entries.map(e => e.id)).size).toBe(conv.entries.length);
  });

  it('shows a turn running in another tab as running, and a crashed one as ended', () => {
    const cut = record(
      't1',
      'crashed',
      [{ type: 'turn_started', turnId: 't1', notebook: 'a.ipynb', model: 'm' }],
      { reason: null, finishedAt: null }
    );
    const running = record(
      't2',
      'still going',
      [
        { type: 'turn_started', turnId: 't2', notebook: 'a.ipynb', model: 'm' },
        { type: 'step_started', turnId: 't2', step: 1, code: 'sleep(9)' }
      ],
      { reason: null, finishedAt: null }
    );
    const conv = replayHistory(
      emptyConversation('a.ipynb'),
      history([cut, running], 't2'),
      null
    );
    expect(kinds(conv)).toEqual(['user', 'notice', 'user', 'step']);
    expect(conv.entries[1]).toMatchObject({ kind: 'notice', reason: 'error' });
    expect(conv.turn).toEqual({
      turnId: 't2',
      started: true,
      model: 'm',
      remote: true
    });
    expect((conv.entries[3] as IStepEntry).status).toBe('running');
  });

  it('keeps the live turn’s entries instead of its stored record (no duplicates)', () => {
    const store = new ConversationStore();
    store.startTurn('a.ipynb', 'live', '正在进行');
    store.apply({
      type: 'turn_started',
      turnId: 'live',
      notebook: 'a.ipynb',
      model: 'm'
    });
    store.apply({ type: 'text', turnId: 'live', delta: 'streaming…' });
    const stored = record(
      'live',
      '正在进行',
      [
        {
          type: 'turn_started',
          turnId: 'live',
          notebook: 'a.ipynb',
          model: 'm'
        }
      ],
      { reason: null }
    );
    store.loadHistory(history([finishedTurn('old'), stored]));
    const conv = store.get('a.ipynb');
    expect(
      conv.entries.filter(e => e.turnId === 'live').map(e => e.kind)
    ).toEqual(['user', 'assistant']);
    expect(conv.entries[0]).toMatchObject({ turnId: 'old', kind: 'user' });
    expect(conv.turn?.turnId).toBe('live');
    // Live frames still reach the turn, with fresh entry ids.
    store.apply({ type: 'step_started', turnId: 'live', step: 1, code: 'x' });
    store.apply({ type: 'turn_finished', turnId: 'live', reason: 'done' });
    const after = store.get('a.ipynb');
    expect(after.turn).toBeNull();
    expect(new Set(after.entries.map(e => e.id)).size).toBe(
      after.entries.length
    );
    // The same history again gives the same view.
    store.loadHistory(history([finishedTurn('old')]));
    expect(kinds(store.get('a.ipynb'))).toEqual([
      'user',
      'step',
      'assistant',
      'notice'
    ]);
  });
});

describe('steps: fix attempts, re-runs, skips', () => {
  it('labels a fix attempt and marks the step whose cell it rewrote', () => {
    let conv = beginTurn(emptyConversation('a.ipynb'), 't', 'go');
    const frames: ServerFrame[] = [
      { type: 'turn_started', turnId: 't', notebook: 'a.ipynb', model: 'm' },
      { type: 'step_started', turnId: 't', step: 1, code: '1/0' },
      {
        type: 'step_finished',
        turnId: 't',
        step: 1,
        status: 'error',
        ename: 'ZeroDivisionError',
        cellId: 'c1',
        cellIndex: 0
      },
      {
        type: 'step_started',
        turnId: 't',
        step: 2,
        code: '1/1',
        replaceCellId: 'c1',
        attempt: { number: 1, of: 3 }
      }
    ];
    conv = frames.reduce(applyFrame, conv);
    const steps = conv.entries.filter(e => e.kind === 'step') as IStepEntry[];
    expect(steps).toHaveLength(2);
    expect(steps[0]).toMatchObject({ superseded: true, status: 'error' });
    expect(steps[1]).toMatchObject({
      attempt: { number: 1, of: 3 },
      replaces: 'c1',
      cellId: 'c1',
      status: 'running'
    });
  });

  it('ends with gave_up and its message', () => {
    const conv = applyFrame(
      beginTurn(emptyConversation('a.ipynb'), 't', 'go'),
      {
        type: 'turn_finished',
        turnId: 't',
        reason: 'gave_up',
        message: 'NameError remained'
      }
    );
    expect(conv.entries[1]).toMatchObject({
      kind: 'notice',
      reason: 'gave_up',
      message: 'NameError remained'
    });
  });
});

describe('controller: history, approval, undo, conversations', () => {
  let fake: IFakeController;
  let store: ConversationStore;
  let executor: FakeExecutor;
  let controller: CodeInterpreterController;
  let ws: FakeWebSocket;

  beforeEach(() => {
    fake = fakeController();
    ({ controller, store, executor } = fake);
  });

  afterEach(() => fake.dispose());

  function open(): void {
    ws = fake.open();
  }

  async function startTurn(): Promise<string> {
    const turnId = controller.startTurn(pathPanel('a.ipynb'), '画图')!;
    await flush();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'a.ipynb',
      model: 'm'
    });
    return turnId;
  }

  it('asks for the shown notebook’s history on connect and replays it', () => {
    controller.conversations.showNotebook('a.ipynb');
    open();
    expect(ws.frames).toEqual([{ type: 'history', notebook: 'a.ipynb' }]);
    ws.receive(history([finishedTurn('t1', true)]));
    expect(kinds(store.get('a.ipynb'))).toEqual([
      'user',
      'step',
      'assistant',
      'notice'
    ]);
    controller.conversations.showNotebook('b.ipynb');
    expect(ws.frames[1]).toEqual({ type: 'history', notebook: 'b.ipynb' });
  });

  it('keeps a renamed notebook’s conversation and asks for it under the new path', async () => {
    open();
    controller.conversations.showNotebook('a.ipynb');
    const turnId = await startTurn();
    controller.conversations.notebookRenamed('a.ipynb', 'new/名字.ipynb');
    ws.receive({ type: 'text', turnId, delta: 'hi' });
    expect(store.get('new/名字.ipynb').entries.map(e => e.kind)).toEqual([
      'user',
      'assistant'
    ]);
    expect(store.get('a.ipynb').entries).toEqual([]);
    expect(ws.frames.slice(-1)[0]).toEqual({
      type: 'history',
      notebook: 'new/名字.ipynb'
    });
  });

  it('auto-run off: the cell waits; Run lets it run, Skip marks it skipped', async () => {
    open();
    fake.settings = { ...fake.settings, autoRun: false };
    const turnId = await startTurn();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r1',
      step: 1,
      code: 'print(1)'
    });
    const approve = executor.calls[0].options.approve!;
    expect(approve).toBeDefined();
    const first = approve('cell-1', 2);
    const step = () =>
      store.get('a.ipynb').entries.find(e => e.kind === 'step') as IStepEntry;
    expect(step()).toMatchObject({
      awaiting: true,
      cellId: 'cell-1',
      cellIndex: 2
    });
    expect(controller.approve(turnId, 'run')).toBe(true);
    await expect(first).resolves.toBe('run');
    expect(step().awaiting).toBe(false);
    expect(step().skipped).toBeFalsy();

    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r2',
      step: 2,
      code: 'print(2)'
    });
    const second = executor.calls[1].options.approve!('cell-2', 3);
    controller.approve(turnId, 'skip');
    await expect(second).resolves.toBe('skip');
    const steps = store
      .get('a.ipynb')
      .entries.filter(e => e.kind === 'step') as IStepEntry[];
    expect(steps[1]).toMatchObject({ skipped: true, awaiting: false });
    expect(controller.approve(turnId, 'run')).toBe(false);
  });

  it('auto-run on: no approval is asked', async () => {
    open();
    const turnId = await startTurn();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r1',
      step: 1,
      code: 'x'
    });
    expect(executor.calls[0].options.approve).toBeUndefined();
  });

  it('Stop resolves a waiting approval without running the cell', async () => {
    open();
    fake.settings = { ...fake.settings, autoRun: false };
    const turnId = await startTurn();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: 'r1',
      step: 1,
      code: 'x'
    });
    const waiting = executor.calls[0].options.approve!('c', 0);
    controller.stop('a.ipynb');
    await expect(waiting).resolves.toBe('skip');
    expect(ws.frames.slice(-1)[0]).toEqual({ type: 'stop', turnId });
  });

  it('undo: sends undo, removes the cells and the turn on undone', () => {
    open();
    ws.receive(history([finishedTurn('t0'), finishedTurn('t1', true)]));
    expect(controller.conversations.undo('a.ipynb', 't1')).toBe(true);
    expect(ws.frames.slice(-1)[0]).toEqual({
      type: 'undo',
      notebook: 'a.ipynb',
      turnId: 't1'
    });
    ws.receive({
      type: 'undone',
      notebook: 'a.ipynb',
      turnId: 't1',
      removeCellIds: ['cell-t1']
    });
    expect(executor.removed).toEqual([['a.ipynb', ['cell-t1']]]);
    const conv = store.get('a.ipynb');
    expect(conv.entries.every(e => e.turnId === 't0')).toBe(true);
    expect(conv.undoableTurnId).toBeNull();
    // The turn before may be undoable now: the history is fetched again.
    expect(ws.frames.slice(-1)[0]).toEqual({
      type: 'history',
      notebook: 'a.ipynb'
    });
  });

  it('lists, opens, deletes and starts conversations', () => {
    open();
    controller.conversations.list('a.ipynb');
    controller.conversations.open('a.ipynb', 'old');
    controller.conversations.delete('a.ipynb', 'old');
    controller.reset('a.ipynb');
    expect(ws.frames).toEqual([
      { type: 'conversations', notebook: 'a.ipynb' },
      { type: 'open_conversation', notebook: 'a.ipynb', conversationId: 'old' },
      {
        type: 'delete_conversation',
        notebook: 'a.ipynb',
        conversationId: 'old'
      },
      { type: 'new_conversation', notebook: 'a.ipynb' }
    ]);
    const list = {
      type: 'conversations' as const,
      notebook: 'a.ipynb',
      currentId: 'c2',
      items: [
        {
          id: 'c2',
          title: '新的',
          createdAt: '2026-11-23T10:00:00Z',
          updatedAt: '2026-11-23T10:05:00Z',
          turns: 2
        }
      ]
    };
    ws.receive(list);
    expect(store.conversations('a.ipynb')).toEqual(list);
  });

  it('shows the new current conversation when the shown one was deleted', () => {
    open();
    ws.receive(history([finishedTurn('t1')]));
    const sent = ws.frames.length;
    const list = (currentId: string) => ({
      type: 'conversations' as const,
      notebook: 'a.ipynb',
      currentId,
      items: []
    });
    ws.receive(list('conv-1'));
    expect(ws.frames).toHaveLength(sent);
    ws.receive(list('conv-2'));
    expect(ws.frames.slice(sent)).toEqual([
      { type: 'history', notebook: 'a.ipynb' }
    ]);
  });
});
