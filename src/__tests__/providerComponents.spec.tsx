import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { SetupCard } from '../components/Cards';
import { ModelBar } from '../components/providers/ModelBar';
import { ModelPicker } from '../components/providers/ModelPicker';
import {
  parseModelList,
  suggestName
} from '../components/providers/AddProvider';
import { ProvidersSettings } from '../components/providers/ProvidersDialog';
import { TurnUsage } from '../components/providers/UsageView';
import type { ConversationEntry } from '../conversation';
import type { IModelChoice, IProviderStatus } from '../providers/types';
import { FakeProvidersClient } from './fakes';
import { mount, settle, typeValue } from './react';

const trans = nullTranslator.load('jupyter_code_interp');
const TYPED_KEY = 'sk-typed-in-a-test-0123456789';

const STATUS_PROVIDERS: IProviderStatus[] = [
  {
    name: 'default',
    label: 'OpenAI',
    preset: 'openai',
    ready: true,
    problem: null,
    baseUrl: 'https://api.openai.com/v1',
    models: [
      { id: 'gpt-4o-mini', provider: 'default', toolMode: 'tools' },
      { id: 'gpt-4o', provider: 'default', toolMode: 'tools', vision: true }
    ],
    modelsError: null
  },
  {
    name: 'ollama',
    label: 'Ollama',
    preset: 'ollama',
    ready: true,
    problem: null,
    baseUrl: 'http://127.0.0.1:11434/v1',
    models: [{ id: 'qwen2.5:7b', provider: 'ollama', toolMode: 'fenced' }],
    modelsError: null
  },
  {
    name: 'kimi',
    label: 'Kimi',
    preset: 'moonshot',
    ready: false,
    problem: 'no key',
    baseUrl: null,
    models: [{ id: 'moonshot-v1-8k', provider: 'kimi', toolMode: 'tools' }],
    modelsError: null
  }
];

describe('ModelPicker', () => {
  it('groups usable providers and reports the picked model', async () => {
    const picked: IModelChoice[] = [];
    const widget = await mount(
      <ModelPicker
        providers={STATUS_PROVIDERS}
        value={{ provider: 'default', model: 'gpt-4o-mini' }}
        disabled={false}
        trans={trans}
        onChange={choice => picked.push(choice)}
      />
    );
    const select = widget.node.querySelector(
      '.jp-CodeInterp-modelPicker'
    ) as HTMLSelectElement;
    const groups = Array.from(select.querySelectorAll('optgroup'));
    expect(groups.map(group => group.label)).toEqual(['OpenAI', 'Ollama']);
    expect(
      Array.from(select.querySelectorAll('option')).map(o => o.textContent)
    ).toEqual(['gpt-4o-mini', 'gpt-4o', 'qwen2.5:7b']);
    expect(select.selectedOptions[0].textContent).toBe('gpt-4o-mini');
    const ollama = select.querySelectorAll('option')[2];
    expect(ollama.title).toContain('code blocks');
    await act(async () => {
      select.value = ollama.value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(picked).toEqual([{ provider: 'ollama', model: 'qwen2.5:7b' }]);
    await act(async () => widget.dispose());
  });

  it('is disabled while a turn runs and asks for a choice when none fits', async () => {
    const widget = await mount(
      <ModelPicker
        providers={STATUS_PROVIDERS}
        value={{ provider: 'gone', model: 'x' }}
        disabled={true}
        trans={trans}
        onChange={() => undefined}
      />
    );
    const select = widget.node.querySelector('select') as HTMLSelectElement;
    expect(select.disabled).toBe(true);
    expect(select.selectedOptions[0].textContent).toBe('Choose a model');
    await act(async () => widget.dispose());
  });
});

describe('usage views', () => {
  it('shows tokens and cost per turn, marked when estimated', async () => {
    const widget = await mount(
      <TurnUsage
        usage={{
          provider: 'deepseek',
          model: 'deepseek-chat',
          promptTokens: 1234,
          completionTokens: 56,
          estimated: true,
          cost: 0.0036,
          currency: 'CNY'
        }}
        trans={trans}
      />
    );
    const node = widget.node.querySelector(
      '.jp-CodeInterp-turnUsage'
    ) as HTMLElement;
    expect(node.textContent).toBe(
      'deepseek-chat · ≈ 1.2k in · 56 out · ¥0.0036'
    );
    expect(node.dataset.estimated).toBe('true');
    expect(node.title).toContain('estimated');
    await act(async () => widget.dispose());
  });

  it('totals the conversation in the model bar', async () => {
    const notice = (turnId: string, cost: number): ConversationEntry => ({
      kind: 'notice',
      id: turnId,
      turnId,
      reason: 'done',
      message: null,
      usage: {
        provider: 'default',
        model: 'gpt-4o',
        promptTokens: 600,
        completionTokens: 100,
        estimated: false,
        cost,
        currency: 'USD'
      }
    });
    let configured = 0;
    const widget = await mount(
      <ModelBar
        providers={STATUS_PROVIDERS}
        value={{ provider: 'default', model: 'gpt-4o' }}
        entries={[notice('1', 0.01), notice('2', 0.02)]}
        busy={false}
        trans={trans}
        onChange={() => undefined}
        onConfigure={() => (configured += 1)}
      />
    );
    const total = widget.node.querySelector(
      '.jp-CodeInterp-usageTotal'
    ) as HTMLElement;
    expect(total.textContent).toBe('1.2k in · 200 out · $0.030');
    await act(async () =>
      (
        widget.node.querySelector(
          '.jp-CodeInterp-providersButton'
        ) as HTMLButtonElement
      ).click()
    );
    expect(configured).toBe(1);
    await act(async () => widget.dispose());
  });
});

describe('A model learned to write code blocks', () => {
  const learned: IProviderStatus[] = [
    {
      ...STATUS_PROVIDERS[1],
      models: [
        {
          id: 'qwen2.5-coder:1.5b',
          provider: 'ollama',
          toolMode: 'fenced',
          toolModeLearned: true
        },
        { id: 'qwen2.5:7b', provider: 'ollama', toolMode: 'auto' }
      ]
    }
  ];

  it('is marked in the picker and can try tool calls again', async () => {
    const resets: IModelChoice[] = [];
    const bar = (value: IModelChoice) => (
      <ModelBar
        providers={learned}
        value={value}
        entries={[]}
        busy={false}
        trans={trans}
        onChange={() => undefined}
        onConfigure={() => undefined}
        onResetMode={choice => resets.push(choice)}
      />
    );
    const chosen = { provider: 'ollama', model: 'qwen2.5-coder:1.5b' };
    const widget = await mount(bar(chosen));
    const labels = Array.from(widget.node.querySelectorAll('option')).map(
      option => [option.textContent, option.title]
    );
    expect(labels).toEqual([
      [
        'qwen2.5-coder:1.5b (code blocks)',
        'qwen2.5-coder:1.5b · code blocks (seen in its replies)'
      ],
      ['qwen2.5:7b', 'qwen2.5:7b']
    ]);
    const reset = widget.node.querySelector(
      '.jp-CodeInterp-resetMode'
    ) as HTMLButtonElement;
    await act(async () => reset.click());
    expect(resets).toEqual([chosen]);
    await act(async () => widget.dispose());

    const other = await mount(bar({ provider: 'ollama', model: 'qwen2.5:7b' }));
    expect(other.node.querySelector('.jp-CodeInterp-resetMode')).toBeNull();
    await act(async () => other.dispose());
  });
});

describe('ProvidersSettings', () => {
  let client: FakeProvidersClient;
  let changed: number;
  let widget: Widget;

  beforeEach(async () => {
    client = new FakeProvidersClient();
    changed = 0;
    widget = await mount(
      <ProvidersSettings
        client={client}
        trans={trans}
        onChanged={() => (changed += 1)}
      />
    );
    await settle();
  });

  afterEach(async () => {
    await act(async () => widget.dispose());
  });

  const card = (name: string) =>
    widget.node.querySelector(
      `.jp-CodeInterp-provider[data-name="${name}"]`
    ) as HTMLElement;

  it('shows where keys come from, never a key', () => {
    expect(
      card('default').querySelector('.jp-CodeInterp-keyState')!.textContent
    ).toBe('Key set (server configuration)');
    expect(
      card('deepseek').querySelector('.jp-CodeInterp-keyState')!.textContent
    ).toBe('No key set');
    expect(card('deepseek').textContent).toContain('has no API key');
    const remove = (name: string) =>
      card(name).querySelector('.jp-CodeInterp-removeProvider');
    expect(remove('deepseek')).not.toBeNull();
    expect(remove('default')).toBeNull();
  });

  it('saves a pasted key, then forgets it in the page', async () => {
    const input = card('deepseek').querySelector(
      '.jp-CodeInterp-keyInput'
    ) as HTMLInputElement;
    expect(input.type).toBe('password');
    await typeValue(input, `  ${TYPED_KEY} `);
    await act(async () =>
      (
        card('deepseek').querySelector(
          '.jp-CodeInterp-saveKey'
        ) as HTMLButtonElement
      ).click()
    );
    await settle();
    expect(client.saved).toEqual([['deepseek', { apiKey: TYPED_KEY }]]);
    expect(changed).toBe(1);
    expect(
      card('deepseek').querySelector('.jp-CodeInterp-keyState')!.textContent
    ).toBe('Key set (saved on the server)');
    expect(
      (card('deepseek').querySelector('.jp-CodeInterp-keyInput') as any).value
    ).toBe('');
    expect(widget.node.innerHTML).not.toContain(TYPED_KEY);
  });

  it('shows the specific result of a connection test', async () => {
    await act(async () =>
      (
        card('default').querySelector(
          '.jp-CodeInterp-testConnection'
        ) as HTMLButtonElement
      ).click()
    );
    await settle();
    const result = card('default').querySelector(
      '.jp-CodeInterp-testResult'
    ) as HTMLElement;
    expect(result.dataset.status).toBe('rate_limited');
    expect(result.textContent).toBe(
      'Rate limited: Rate limited by the provider (429): slow down. Retry after 7 s.'
    );
    expect(changed).toBe(0); // a test changes nothing
  });

  it('adds a provider from a preset with its key', async () => {
    const form = widget.node.querySelector(
      '.jp-CodeInterp-addProvider'
    ) as HTMLFormElement;
    const add = form.querySelector('.jp-CodeInterp-add') as HTMLButtonElement;
    // "deepseek" is taken, so the suggested name is deepseek-2.
    expect(add.textContent).toBe('Add “deepseek-2”');
    await typeValue(
      form.querySelector('.jp-CodeInterp-newModels') as HTMLInputElement,
      'deepseek-chat, deepseek-reasoner'
    );
    await typeValue(
      form.querySelector('.jp-CodeInterp-newKey') as HTMLInputElement,
      TYPED_KEY
    );
    await act(async () => add.click());
    await settle();
    expect(client.saved).toEqual([
      [
        'deepseek-2',
        {
          preset: 'deepseek',
          models: ['deepseek-chat', 'deepseek-reasoner'],
          apiKey: TYPED_KEY
        }
      ]
    ]);
    expect(
      (form.querySelector('.jp-CodeInterp-newKey') as HTMLInputElement).value
    ).toBe('');
  });

  it('asks Azure for its API version and shows the server refusal', async () => {
    client.failSave = "Provider 'azure' has no base URL: set its base_url.";
    const form = widget.node.querySelector(
      '.jp-CodeInterp-addProvider'
    ) as HTMLFormElement;
    const preset = form.querySelector(
      '.jp-CodeInterp-presetSelect'
    ) as HTMLSelectElement;
    await act(async () => {
      preset.value = 'azure';
      preset.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(form.querySelector('.jp-CodeInterp-newApiVersion')).not.toBeNull();
    expect(form.textContent).toContain('Deployments');
    await act(async () =>
      (form.querySelector('.jp-CodeInterp-add') as HTMLButtonElement).click()
    );
    await settle();
    expect(form.querySelector('[role="alert"]')!.textContent).toBe(
      client.failSave
    );
  });
});

describe('dialog helpers', () => {
  it('suggest unique names and split model lists', () => {
    expect(suggestName('ollama', [])).toBe('ollama');
    expect(suggestName('ollama', ['ollama', 'ollama-2'])).toBe('ollama-3');
    expect(suggestName('local', [])).toBe('local-1');
    expect(parseModelList(' a, b  c,,')).toEqual(['a', 'b', 'c']);
  });
});

describe('SetupCard', () => {
  it('offers the providers dialog when one is available', async () => {
    let opened = 0;
    const widget = await mount(
      <SetupCard
        problem="No model provider is configured."
        loading={false}
        trans={trans}
        onRetry={() => undefined}
        onConfigure={() => (opened += 1)}
      />
    );
    await act(async () =>
      (
        widget.node.querySelector(
          '.jp-CodeInterp-configure'
        ) as HTMLButtonElement
      ).click()
    );
    expect(opened).toBe(1);
    await act(async () => widget.dispose());
    const without = await mount(
      <SetupCard
        problem="x"
        loading={false}
        trans={trans}
        onRetry={() => undefined}
      />
    );
    expect(without.node.querySelector('.jp-CodeInterp-configure')).toBeNull();
    await act(async () => without.dispose());
  });
});
