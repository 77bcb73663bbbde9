import { StateDB } from '@jupyterlab/statedb';

import { applyFrame, beginTurn, emptyConversation } from '../conversation';
import {
  CHOICES_STATE_KEY,
  choiceKey,
  effectiveChoice,
  isOffered,
  ModelChoices,
  parseChoiceKey
} from '../providers/choices';
import { ModelProviders } from '../providers/service';
import type {
  IModelInfo,
  IProviderStatus,
  ITurnUsage
} from '../providers/types';
import {
  formatCost,
  formatCosts,
  formatTokens,
  sumUsage
} from '../providers/usage';
import { ConversationStore } from '../store';
import {
  fakeController,
  FakeProvidersClient,
  pathPanel,
  READY_STATUS
} from './fakes';

function model(provider: string, id: string): IModelInfo {
  return { id, provider, toolMode: 'auto' };
}

function provider(name: string, ids: string[], ready = true): IProviderStatus {
  return {
    name,
    label: name.toUpperCase(),
    preset: 'custom',
    ready,
    problem: ready ? null : 'no key',
    baseUrl: null,
    models: ids.map(id => model(name, id)),
    modelsError: null
  };
}

const PROVIDERS = [
  provider('openai', ['gpt-4o-mini', 'gpt-4o']),
  provider('deepseek', ['deepseek-chat']),
  provider('kimi', ['moonshot-v1-8k'], false)
];
const STATUS = {
  providers: PROVIDERS,
  defaultProvider: 'openai',
  defaultModel: 'gpt-4o-mini'
};

function usage(change: Partial<ITurnUsage> = {}): ITurnUsage {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    promptTokens: 1000,
    completionTokens: 200,
    estimated: false,
    cost: null,
    currency: null,
    ...change
  };
}

describe('choice keys', () => {
  it('round-trip any model id', () => {
    for (const choice of [
      { provider: 'ollama', model: 'qwen2.5:7b' },
      { provider: 'vllm', model: 'Qwen/Qwen2.5-7B-Instruct' },
      { provider: 'p', model: '模型 "x", y' }
    ]) {
      expect(parseChoiceKey(choiceKey(choice))).toEqual(choice);
    }
    expect(parseChoiceKey('')).toBeNull();
    expect(parseChoiceKey('["only-one"]')).toBeNull();
  });
});

describe('effectiveChoice', () => {
  it('keeps an offered choice', () => {
    const choice = { provider: 'deepseek', model: 'deepseek-chat' };
    expect(effectiveChoice(choice, STATUS)).toEqual(choice);
  });

  it('drops a choice the server no longer offers or cannot use', () => {
    const gone = { provider: 'openai', model: 'gpt-3.5-turbo' };
    const unusable = { provider: 'kimi', model: 'moonshot-v1-8k' };
    expect(isOffered(unusable, PROVIDERS)).toBe(false);
    for (const choice of [gone, unusable]) {
      expect(effectiveChoice(choice, STATUS)).toEqual({
        provider: 'openai',
        model: 'gpt-4o-mini'
      });
    }
  });

  it('uses the defaultModel setting when some provider offers it', () => {
    expect(effectiveChoice(null, STATUS, 'deepseek-chat')).toEqual({
      provider: 'deepseek',
      model: 'deepseek-chat'
    });
    expect(effectiveChoice(null, STATUS, 'nowhere')).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini'
    });
    expect(effectiveChoice(null, null)).toBeNull();
  });
});

describe('ModelChoices', () => {
  it('remembers choices per notebook in the state database', async () => {
    const state = new StateDB();
    const choices = new ModelChoices(state);
    await choices.ready;
    let changes = 0;
    choices.changed.connect(() => (changes += 1));
    choices.set('a.ipynb', { provider: 'deepseek', model: 'deepseek-chat' });
    choices.set('数据/b.ipynb', { provider: 'openai', model: 'gpt-4o' });
    choices.set('a.ipynb', null);
    expect(changes).toBe(3);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(await state.fetch(CHOICES_STATE_KEY)).toEqual({
      '数据/b.ipynb': { provider: 'openai', model: 'gpt-4o' }
    });

    const reloaded = new ModelChoices(state);
    await reloaded.ready;
    expect(reloaded.get('数据/b.ipynb')).toEqual({
      provider: 'openai',
      model: 'gpt-4o'
    });
    expect(reloaded.get('a.ipynb')).toBeNull();
    reloaded.rename('数据/b.ipynb', 'c.ipynb');
    expect(reloaded.get('c.ipynb')?.model).toBe('gpt-4o');
    expect(reloaded.get('数据/b.ipynb')).toBeNull();
  });

  it('ignores malformed saved state', async () => {
    const state = new StateDB();
    await state.save(CHOICES_STATE_KEY, {
      'a.ipynb': { provider: 1 },
      'b.ipynb': { provider: 'p', model: 'm' }
    } as any);
    const choices = new ModelChoices(state);
    await choices.ready;
    expect(choices.get('a.ipynb')).toBeNull();
    expect(choices.get('b.ipynb')).toEqual({ provider: 'p', model: 'm' });
  });
});

describe('usage formatting', () => {
  it('shortens token counts', () => {
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(1234)).toBe('1.2k');
    expect(formatTokens(12345)).toBe('12k');
    expect(formatTokens(2_500_000)).toBe('2.5M');
  });

  it('shows costs with their currency and enough digits', () => {
    expect(formatCost(0.00123, 'USD')).toBe('$0.0012');
    expect(formatCost(0.25, 'CNY')).toBe('¥0.250');
    expect(formatCost(3, 'EUR')).toBe('€3.00');
    expect(formatCost(0.5, 'GBP')).toBe('0.500 GBP');
  });

  it('sums a conversation by currency and remembers estimates', () => {
    const total = sumUsage([
      usage({ cost: 0.001, currency: 'USD' }),
      usage({ cost: 0.002, currency: 'USD', estimated: true }),
      usage({ provider: 'deepseek', cost: 0.01, currency: 'CNY' }),
      usage()
    ]);
    expect(total.turns).toBe(4);
    expect(total.promptTokens).toBe(4000);
    expect(total.completionTokens).toBe(800);
    expect(total.estimated).toBe(true);
    expect(total.costs.USD).toBeCloseTo(0.003);
    expect(formatCosts(total.costs)).toBe('$0.0030 + ¥0.010');
    expect(sumUsage([]).turns).toBe(0);
  });
});

describe('turn usage in the conversation model', () => {
  it('is kept on the notice of the finished turn', () => {
    let conv = beginTurn(emptyConversation('a.ipynb'), 't', 'hi');
    const used = usage({ cost: 0.5, currency: 'USD' });
    conv = applyFrame(conv, {
      type: 'turn_finished',
      turnId: 't',
      reason: 'done',
      usage: used
    });
    const notice = conv.entries[conv.entries.length - 1];
    expect(notice.kind === 'notice' && notice.usage).toEqual(used);
  });
});

describe('ModelProviders service', () => {
  it('refreshes the panel only when the dialog changed something', async () => {
    let change = false;
    const service = new ModelProviders({
      client: new FakeProvidersClient(),
      choices: new ModelChoices(),
      openDialog: async onChanged => {
        if (change) {
          onChanged();
        }
      }
    });
    let refreshed = 0;
    service.settingsChanged.connect(() => (refreshed += 1));
    await service.openSettings();
    expect(refreshed).toBe(0);
    change = true;
    await service.openSettings();
    expect(refreshed).toBe(1);
  });

  it('resets a learned mode on the server, then refreshes the panel', async () => {
    const client = new FakeProvidersClient();
    const service = new ModelProviders({
      client,
      choices: new ModelChoices(),
      openDialog: async () => undefined
    });
    let refreshed = 0;
    service.settingsChanged.connect(() => (refreshed += 1));
    await service.resetMode({ provider: 'ollama', model: 'qwen2.5-coder' });
    expect(client.resets).toEqual([['ollama', 'qwen2.5-coder']]);
    expect(refreshed).toBe(1);
  });

  it('gives the controller the model the picker shows', async () => {
    const choices = new ModelChoices();
    const service = new ModelProviders({
      client: new FakeProvidersClient(),
      choices,
      openDialog: async () => undefined
    });
    const store = new ConversationStore();
    store.setStatus({
      loading: false,
      fetchError: null,
      status: { ...READY_STATUS, models: [], ...STATUS }
    });
    const fake = fakeController({
      store,
      settings: () => ({ maxSteps: 3, outputLimit: 500, defaultModel: '' }),
      modelFor: (notebook, setting) =>
        service.modelFor(notebook, store.status.status, setting)
    });
    const { controller } = fake;
    const ws = fake.open();

    choices.set('a.ipynb', { provider: 'deepseek', model: 'deepseek-chat' });
    controller.startTurn(pathPanel('a.ipynb'), 'one');
    controller.startTurn(pathPanel('b.ipynb'), 'two');
    await new Promise(resolve => setTimeout(resolve, 0));
    const sent = ws.frames.map(frame => [frame.provider, frame.model]);
    // b.ipynb has no choice of its own: it starts on the model used last.
    expect(sent).toEqual([
      ['deepseek', 'deepseek-chat'],
      ['deepseek', 'deepseek-chat']
    ]);
    fake.dispose();
  });
});
