import {
  applyFrame,
  beginTurn,
  emptyConversation,
  IAssistantEntry,
  IConversation,
  INoticeEntry,
  IStepEntry
} from '../conversation';
import { ServerFrame } from '../protocol';
import { ConversationStore } from '../store';

function run(conv: IConversation, frames: ServerFrame[]): IConversation {
  return frames.reduce(applyFrame, conv);
}

function started(turnId = 't1', notebook = 'a.ipynb'): IConversation {
  return applyFrame(beginTurn(emptyConversation(notebook), turnId, 'plot x'), {
    type: 'turn_started',
    turnId,
    notebook,
    model: 'gpt-test'
  });
}

describe('conversation reducer', () => {
  it('records the instruction and a pending turn', () => {
    const conv = beginTurn(
      emptyConversation('a.ipynb'),
      't1',
      '画一个正弦曲线'
    );
    expect(conv.entries).toEqual([
      { kind: 'user', id: 't1:0', turnId: 't1', text: '画一个正弦曲线' }
    ]);
    expect(conv.turn).toEqual({ turnId: 't1', started: false, model: null });
  });

  it('marks the turn started with its model', () => {
    expect(started().turn).toEqual({
      turnId: 't1',
      started: true,
      model: 'gpt-test'
    });
  });

  it('appends streamed deltas to one assistant message, Chinese included', () => {
    const conv = run(started(), [
      { type: 'text', turnId: 't1', delta: '好的，' },
      { type: 'text', turnId: 't1', delta: '我来**画图**' },
      { type: 'text', turnId: 't1', delta: '。' }
    ]);
    const assistant = conv.entries.filter(e => e.kind === 'assistant');
    expect(assistant).toHaveLength(1);
    expect((assistant[0] as IAssistantEntry).text).toBe('好的，我来**画图**。');
  });

  it('starts a new assistant message after a step', () => {
    const conv = run(started(), [
      { type: 'text', turnId: 't1', delta: 'First' },
      { type: 'step_started', turnId: 't1', step: 1, code: 'print(1)' },
      { type: 'text', turnId: 't1', delta: 'Then' }
    ]);
    expect(conv.entries.map(e => e.kind)).toEqual([
      'user',
      'assistant',
      'step',
      'assistant'
    ]);
    expect((conv.entries[3] as IAssistantEntry).text).toBe('Then');
    expect(new Set(conv.entries.map(e => e.id)).size).toBe(4);
  });

  it('tracks a step from start to error', () => {
    let conv = run(started(), [
      { type: 'step_started', turnId: 't1', step: 1, code: '1/0' },
      {
        type: 'execute_request',
        turnId: 't1',
        requestId: 'r1',
        step: 1,
        code: '1/0'
      }
    ]);
    const steps = () =>
      conv.entries.filter(e => e.kind === 'step') as IStepEntry[];
    expect(steps()).toHaveLength(1);
    expect(steps()[0].status).toBe('running');
    conv = applyFrame(conv, {
      type: 'step_finished',
      turnId: 't1',
      step: 1,
      status: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      executionCount: 5,
      cellId: 'c1',
      cellIndex: 2
    });
    expect(steps()[0]).toMatchObject({
      status: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      executionCount: 5,
      cellId: 'c1',
      cellIndex: 2,
      code: '1/0'
    });
  });

  it('creates the step from an execute_request alone', () => {
    const conv = applyFrame(started(), {
      type: 'execute_request',
      turnId: 't1',
      requestId: 'r9',
      step: 2,
      code: 'x = 1'
    });
    const step = conv.entries[1] as IStepEntry;
    expect(step).toMatchObject({ kind: 'step', step: 2, code: 'x = 1' });
  });

  it.each([
    ['done', null],
    ['max_steps', 'Reached 10 steps'],
    ['error', 'The model endpoint returned 401'],
    ['stopped', null]
  ] as const)('ends the turn with reason %s', (reason, message) => {
    const conv = run(started(), [
      { type: 'step_started', turnId: 't1', step: 1, code: 'sleep(100)' },
      { type: 'turn_finished', turnId: 't1', reason, message }
    ]);
    expect(conv.turn).toBeNull();
    const notice = conv.entries[conv.entries.length - 1] as INoticeEntry;
    expect(notice).toMatchObject({ kind: 'notice', reason, message });
    const step = conv.entries[1] as IStepEntry;
    expect(step.status).toBe('aborted');
  });

  it('ends a refused turn on an error frame before it started', () => {
    const pending = beginTurn(emptyConversation('a.ipynb'), 't1', 'go');
    const conv = applyFrame(pending, {
      type: 'error',
      turnId: 't1',
      message: 'A turn already runs in a.ipynb'
    });
    expect(conv.turn).toBeNull();
    expect(conv.entries[1]).toMatchObject({
      kind: 'notice',
      reason: 'error',
      message: 'A turn already runs in a.ipynb'
    });
  });

  it('keeps a started turn running on an error frame', () => {
    const conv = applyFrame(started(), {
      type: 'error',
      turnId: 't1',
      message: 'unknown requestId'
    });
    expect(conv.turn?.turnId).toBe('t1');
    expect(conv.entries[1]).toMatchObject({
      kind: 'error',
      message: 'unknown requestId'
    });
  });
});

describe('ConversationStore', () => {
  it('keeps each notebook’s conversation separate', () => {
    const store = new ConversationStore();
    store.startTurn('a.ipynb', 'ta', '分析 a');
    store.startTurn('dir/b.ipynb', 'tb', 'analyse b');
    store.apply({ type: 'text', turnId: 'tb', delta: 'B answer' });
    store.apply({ type: 'text', turnId: 'ta', delta: 'A 的回答' });
    store.apply({ type: 'turn_finished', turnId: 'tb', reason: 'done' });

    const a = store.get('a.ipynb');
    const b = store.get('dir/b.ipynb');
    expect(a.entries.map(e => ('text' in e ? e.text : e.kind))).toEqual([
      '分析 a',
      'A 的回答'
    ]);
    expect(b.entries.map(e => ('text' in e ? e.text : e.kind))).toEqual([
      'analyse b',
      'B answer',
      'notice'
    ]);
    expect(store.isBusy('a.ipynb')).toBe(true);
    expect(store.isBusy('dir/b.ipynb')).toBe(false);
    expect(store.runningTurns()).toEqual(['ta']);
    expect(store.get('other.ipynb').entries).toEqual([]);
  });

  it('emits changed and records where a step’s cell went', () => {
    const store = new ConversationStore();
    const seen: number[] = [];
    store.changed.connect(() => seen.push(1));
    store.startTurn('a.ipynb', 't1', 'go');
    store.apply({ type: 'step_started', turnId: 't1', step: 1, code: 'x' });
    store.setStepCell('t1', 1, 'cell-7', 4);
    expect(store.get('a.ipynb').entries[1]).toMatchObject({
      cellId: 'cell-7',
      cellIndex: 4,
      executionCount: null
    });
    expect(seen.length).toBe(3);
  });

  it('shows an error without a turn as a global error', () => {
    const store = new ConversationStore();
    store.apply({ type: 'error', message: 'bad frame' });
    expect(store.globalError).toBe('bad frame');
    store.setGlobalError(null);
    expect(store.globalError).toBeNull();
  });

  it('ignores frames of unknown turns and forgets cleared conversations', () => {
    const store = new ConversationStore();
    store.apply({ type: 'text', turnId: 'ghost', delta: 'boo' });
    store.startTurn('a.ipynb', 't1', 'go');
    store.apply({ type: 'turn_finished', turnId: 't1', reason: 'done' });
    store.clear('a.ipynb');
    store.apply({ type: 'text', turnId: 't1', delta: 'late' });
    expect(store.get('a.ipynb').entries).toEqual([]);
    expect(store.notebookOfTurn('t1')).toBeUndefined();
  });

  it('ends a turn locally', () => {
    const store = new ConversationStore();
    store.startTurn('a.ipynb', 't1', 'go');
    store.endTurn('t1', 'error', 'connection lost');
    expect(store.isBusy('a.ipynb')).toBe(false);
    expect(store.get('a.ipynb').entries[1]).toMatchObject({
      kind: 'notice',
      reason: 'error',
      message: 'connection lost'
    });
  });
});
