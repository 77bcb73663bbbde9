import { nullTranslator } from '@jupyterlab/translation';
import { StateDB } from '@jupyterlab/statedb';
import React, { act } from 'react';

import { ModelBar } from '../components/providers/ModelBar';
import { Reasoning, reasoningSummary } from '../components/Reasoning';
import {
  applyFrame,
  beginTurn,
  emptyConversation,
  finishTurn,
  IConversation,
  IReasoningEntry
} from '../conversation';
import {
  effectiveChoice,
  LAST_MODEL_STATE_KEY,
  ModelChoices
} from '../providers/choices';
import type { IProviderStatus } from '../providers/types';
import { mount, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

function turn(...frames: Array<Record<string, unknown>>): IConversation {
  let conv = beginTurn(emptyConversation('a.ipynb'), 't1', 'why?');
  for (const frame of frames) {
    conv = applyFrame(conv, { turnId: 't1', ...frame } as any);
  }
  return conv;
}

function reasoning(conv: IConversation): IReasoningEntry[] {
  return conv.entries.filter(
    (e): e is IReasoningEntry => e.kind === 'reasoning'
  );
}

describe('reasoning in the conversation', () => {
  it('gathers deltas into one entry that ends with its duration', () => {
    const conv = turn(
      { type: 'reasoning', delta: 'Six ' },
      { type: 'reasoning', delta: 'times seven.' },
      { type: 'reasoning', delta: '', seconds: 2.5 },
      { type: 'text', delta: 'It is 42.' }
    );
    expect(reasoning(conv)).toEqual([
      expect.objectContaining({
        text: 'Six times seven.',
        seconds: 2.5,
        open: false
      })
    ]);
    const answer = conv.entries[conv.entries.length - 1];
    expect(answer).toEqual(
      expect.objectContaining({ kind: 'assistant', text: 'It is 42.' })
    );
  });

  it('keeps reasoning of later requests apart, and closes one cut by the end', () => {
    let conv = turn(
      { type: 'reasoning', delta: 'first' },
      { type: 'reasoning', delta: '', seconds: 1 },
      { type: 'step_started', step: 1, code: 'print(1)' },
      { type: 'reasoning', delta: 'second' }
    );
    expect(reasoning(conv).map(e => [e.text, e.open])).toEqual([
      ['first', false],
      ['second', true]
    ]);
    conv = finishTurn(conv, 't1', 'stopped');
    expect(reasoning(conv)[1]).toEqual(
      expect.objectContaining({ open: false, seconds: null })
    );
    expect(reasoningSummary(reasoning(conv)[1], trans)).toBe(
      'Thinking (cut off)'
    );
  });

  it('is shown collapsed under its summary, as plain text', async () => {
    const entry: IReasoningEntry = {
      kind: 'reasoning',
      id: 'r',
      turnId: 't1',
      text: '<b>not html</b> ```python\nimport os\n```',
      seconds: 3.25,
      open: false
    };
    const widget = await mount(<Reasoning entry={entry} trans={trans} />);
    const details = widget.node.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe(
      'Thought for 3.3 s'
    );
    expect(details.querySelector('b')).toBeNull();
    await act(async () => details.querySelector('summary')!.click());
    expect(details.open).toBe(true);
    expect(details.textContent).toContain('<b>not html</b>');
    await unmount(widget);

    const thinking = await mount(
      <Reasoning
        entry={{ ...entry, open: true, seconds: null }}
        trans={trans}
      />
    );
    expect(thinking.node.querySelector('summary')!.textContent).toBe(
      'Thinking…'
    );
    await unmount(thinking);
  });
});

const PROVIDERS: IProviderStatus[] = [
  {
    name: 'default',
    label: 'Default',
    preset: 'custom',
    ready: true,
    problem: null,
    baseUrl: 'http://127.0.0.1:11434/v1',
    models: ['qwen2.5-coder:7b', 'deepseek-r1:1.5b'].map(id => ({
      id,
      provider: 'default',
      toolMode: 'auto'
    })),
    modelsError: null
  }
];
const STATUS = {
  providers: PROVIDERS,
  defaultProvider: 'default',
  defaultModel: 'qwen2.5-coder:7b'
};

describe('the model used last', () => {
  it('is where a new notebook starts, and it is remembered', async () => {
    const state = new StateDB();
    const choices = new ModelChoices(state);
    await choices.ready;
    const r1 = { provider: 'default', model: 'deepseek-r1:1.5b' };
    expect(effectiveChoice(null, STATUS, '', choices.last)).toEqual({
      provider: 'default',
      model: 'qwen2.5-coder:7b'
    });
    choices.used(r1);
    expect(effectiveChoice(null, STATUS, '', choices.last)).toEqual(r1);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(await state.fetch(LAST_MODEL_STATE_KEY)).toEqual(r1);

    const reloaded = new ModelChoices(state);
    await reloaded.ready;
    expect(reloaded.last).toEqual(r1);
    // A picked model counts too; one no longer offered is skipped.
    reloaded.set('b.ipynb', { provider: 'default', model: 'gone:1b' });
    expect(effectiveChoice(null, STATUS, '', reloaded.last)).toEqual({
      provider: 'default',
      model: 'qwen2.5-coder:7b'
    });
    // The `defaultModel` user setting still comes first.
    expect(
      effectiveChoice(null, STATUS, 'qwen2.5-coder:7b', { ...r1 })?.model
    ).toBe('qwen2.5-coder:7b');
  });

  it('the model bar says what is wrong with the default model', async () => {
    const widget = await mount(
      <ModelBar
        providers={PROVIDERS}
        value={{ provider: 'default', model: 'qwen2.5-coder:7b' }}
        entries={[]}
        busy={false}
        trans={trans}
        onChange={() => undefined}
        onConfigure={() => undefined}
        notice="http://127.0.0.1:11434/v1 does not list the default model 'qwen3:8b'."
      />
    );
    const notice = widget.node.querySelector('.jp-CodeInterp-modelNotice');
    expect(notice?.textContent).toContain(
      "does not list the default model 'qwen3:8b'"
    );
    const options = Array.from(widget.node.querySelectorAll('option')).map(
      o => o.textContent
    );
    expect(options).toEqual(['qwen2.5-coder:7b', 'deepseek-r1:1.5b']);
    await unmount(widget);
  });
});
