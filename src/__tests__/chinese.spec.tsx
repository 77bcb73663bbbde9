/// <reference types="node" />
import { Gettext, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as fs from 'fs';
import * as path from 'path';
import React, { act } from 'react';

import { IPanelViewProps, PanelView } from '../components/Panel';
import { translateSchema } from '../i18n';
import { emptyConversation } from '../conversation';
import { panelViewProps } from './fakes';
import { mount, mountComposer } from './react';

/** The shipped zh_CN catalog. */
const CATALOG = path.join(
  __dirname,
  '..',
  '..',
  'jupyter_code_interp',
  'locale',
  'zh_CN',
  'LC_MESSAGES',
  'jupyter_code_interp.json'
);

/** The shipped zh_CN catalog, loaded the way JupyterLab's TranslationManager does. */
function chineseBundle(): TranslationBundle {
  const data = JSON.parse(fs.readFileSync(CATALOG, 'utf-8'));
  const gettext = new Gettext({
    domain: 'jupyter_code_interp',
    locale: 'zh-CN'
  });
  gettext.loadJSON(
    { ...data, '': { ...data[''], pluralForms: data['']['plural_forms'] } },
    'jupyter_code_interp'
  );
  return gettext as unknown as TranslationBundle;
}

const zh = chineseBundle();

function panelProps(change: Partial<IPanelViewProps>): IPanelViewProps {
  return { ...panelViewProps(zh, '分析.ipynb'), ...change };
}

const text = (widget: Widget, selector: string) =>
  (widget.node.querySelector(selector) as HTMLElement | null)?.textContent;

describe('the panel in Chinese (shipped zh_CN catalog)', () => {
  it('translates the header, composer and empty conversation', async () => {
    const widget = await mount(<PanelView {...panelProps({})} />);
    expect(text(widget, '.jp-CodeInterp-title')).toBe('代码解释器');
    expect(text(widget, '.jp-CodeInterp-newConversation')).toBe('新对话');
    expect(text(widget, '.jp-CodeInterp-send')).toBe('发送');
    const input = widget.node.querySelector(
      '.jp-CodeInterp-input'
    ) as HTMLTextAreaElement;
    expect(input.placeholder).toBe(
      '让它做分析、画图、修复错误……（Enter 发送，Shift+Enter 换行）'
    );
    expect(text(widget, '.jp-CodeInterp-empty')).toContain(
      '代码解释器会在这个笔记本中写入单元格'
    );
    await act(async () => widget.dispose());
  });

  it('translates the setup card (the server problem stays as sent)', async () => {
    const status = {
      loading: false,
      status: {
        ...panelProps({}).status.status!,
        ready: false,
        problem: 'Set OPENAI_API_KEY.'
      },
      fetchError: null
    };
    const widget = await mount(<PanelView {...panelProps({ status })} />);
    expect(text(widget, '.jp-CodeInterp-cardTitle')).toBe(
      '代码解释器需要一个语言模型'
    );
    expect(text(widget, '.jp-CodeInterp-retry')).toBe('重试');
    expect(text(widget, '.jp-CodeInterp-problem')).toBe('Set OPENAI_API_KEY.');
    await act(async () => widget.dispose());
  });

  it('translates the no-notebook card', async () => {
    const widget = await mount(
      <PanelView {...panelProps({ notebook: null, conversation: null })} />
    );
    expect(text(widget, '.jp-CodeInterp-noNotebook p')).toBe(
      '请先打开一个笔记本：代码解释器会把代码作为当前笔记本的单元格来运行。'
    );
    expect(text(widget, '.jp-CodeInterp-createNotebook')).toBe('新建笔记本');
    await act(async () => widget.dispose());
  });

  it('translates approval, undo, auto-run and the conversation list', async () => {
    const conversation = {
      ...emptyConversation('分析.ipynb'),
      entries: [
        { kind: 'user' as const, id: 'a:0', turnId: 'a', text: '画图' },
        {
          kind: 'step' as const,
          id: 'a:1',
          turnId: 'a',
          step: 1,
          code: 'plot()',
          status: 'running' as const,
          ename: null,
          evalue: null,
          executionCount: null,
          cellId: 'c1',
          cellIndex: 0,
          awaiting: true,
          attempt: { number: 1, of: 3 }
        }
      ]
    };
    const widget = await mount(
      <PanelView
        {...panelProps({
          conversation,
          autoRun: false,
          onAutoRunChange: () => undefined,
          onApprove: () => undefined,
          onEditCell: () => undefined,
          conversations: {
            list: null,
            onList: () => undefined,
            onOpen: () => undefined,
            onDelete: () => undefined
          }
        })}
      />
    );
    expect(text(widget, '.jp-CodeInterp-approveRun')).toBe('运行');
    expect(text(widget, '.jp-CodeInterp-approveEdit')).toBe('在笔记本中编辑');
    expect(text(widget, '.jp-CodeInterp-approveSkip')).toBe('跳过');
    expect(text(widget, '.jp-CodeInterp-stepTags')).toBe('修复尝试 1/3');
    expect(text(widget, '.jp-CodeInterp-autoRun')).toBe('自动运行');
    expect(text(widget, '.jp-CodeInterp-conversationsButton')).toBe('历史');
    expect(zh.__('Undo')).toBe('撤销');
    await act(async () => widget.dispose());
  });

  it('fills placeholders in translated messages', () => {
    expect(zh.__('Running cell %1…', '[3]')).toBe('正在运行单元格 [3]…');
    expect(zh.__('Error: %1', '连接超时')).toBe('错误：连接超时');
  });
});

describe('translateSchema', () => {
  it('translates titles, descriptions and the icon label, never data', () => {
    const schema = {
      'jupyter.lab.setting-icon-label': 'Code Interpreter',
      title: 'Code Interpreter',
      properties: {
        defaultModel: {
          type: 'string',
          title: 'Model',
          default: 'Model'
        },
        maxSteps: { title: 'Maximum steps per turn', enum: ['Model'] }
      }
    };
    expect(translateSchema(schema, zh)).toEqual({
      'jupyter.lab.setting-icon-label': '代码解释器',
      title: '代码解释器',
      properties: {
        defaultModel: { type: 'string', title: '模型', default: 'Model' },
        maxSteps: { title: '每轮最多步数', enum: ['Model'] }
      }
    });
    expect(schema.title).toBe('Code Interpreter'); // the input is not changed
  });
});

describe('Composer with an IME', () => {
  let widget: Widget;
  let sent: string[];

  beforeEach(async () => {
    ({ widget, sent } = await mountComposer(zh));
  });

  afterEach(async () => {
    await act(async () => widget.dispose());
  });

  const area = () =>
    widget.node.querySelector('.jp-CodeInterp-input') as HTMLTextAreaElement;

  async function fire(event: Event): Promise<void> {
    await act(async () => {
      area().dispatchEvent(event);
    });
  }

  const enter = () =>
    new KeyboardEvent('keydown', {
      key: 'Enter',
      bubbles: true,
      cancelable: true
    });

  it('ignores an Enter between compositionstart and compositionend', async () => {
    const setter = Object.getOwnPropertyDescriptor(
      HTMLTextAreaElement.prototype,
      'value'
    )!.set!;
    await act(async () => {
      setter.call(area(), '画图');
      area().dispatchEvent(new Event('input', { bubbles: true }));
    });
    await fire(new CompositionEvent('compositionstart', { bubbles: true }));
    // Some IMEs do not set isComposing on the Enter that picks a candidate.
    await fire(enter());
    await fire(
      new CompositionEvent('compositionend', { bubbles: true, data: '画图' })
    );
    expect(sent).toEqual([]);
    await fire(enter());
    expect(sent).toEqual(['画图']);
  });
});
