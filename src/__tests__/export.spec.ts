import type * as nbformat from '@jupyterlab/nbformat';
import { nullTranslator } from '@jupyterlab/translation';

import type { ConversationEntry, IStepEntry } from '../conversation';
import {
  conversationToMarkdown,
  fenced,
  outputsAsText,
  safeFileName
} from '../export/markdown';
import { exportConversation } from '../export/save';
import { FakeContents, stepEntry } from './fakes';

const trans = nullTranslator.load('jupyter_code_interp');

/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const DATE = new Date('2026-11-29T08:30:00Z');

/** The conversation of the GDP demo: upload, a failing step, its fix, a plot, the answer. */
function gdpConversation(): ConversationEntry[] {
  return [
    {
      kind: 'user',
      id: 't:0',
      turnId: 't',
      text: '比较四个直辖市的 GDP\n用柱状图',
      attachments: [
        { path: 'work/省份 GDP.csv', name: '省份 GDP.csv', size: 9 }
      ]
    },
    { kind: 'assistant', id: 't:1', turnId: 't', text: '我先读取文件。\n' },
    stepEntry({
      id: 't:2',
      step: 1,
      code: "df = pd.read_csv('省份 GDP.csv')",
      status: 'error',
      ename: 'UnicodeDecodeError',
      evalue: "'utf-8' codec can't decode byte 0xb1",
      executionCount: 1,
      cellId: 'c1'
    }),
    stepEntry({
      id: 't:3',
      step: 2,
      code: "df = pd.read_csv('省份 GDP.csv', encoding='gbk')\nprint(df.shape)\ndf.plot.bar()",
      status: 'ok',
      executionCount: 2,
      cellId: 'c2',
      attempt: { number: 1, of: 3 },
      images: [{ mime: 'image/png', data: 'thumbnail' }]
    }),
    {
      kind: 'files',
      id: 't:4',
      turnId: 't',
      step: 2,
      files: [
        {
          path: 'work/out/gdp.png',
          name: 'gdp.png',
          size: 10,
          mime: 'image/png'
        }
      ]
    },
    {
      kind: 'assistant',
      id: 't:5',
      turnId: 't',
      text: '上海最高，其次是北京。\n\n```python\nprint("```")\n```'
    },
    {
      kind: 'notice',
      id: 't:6',
      turnId: 't',
      reason: 'done',
      message: null,
      usage: {
        model: 'scripted-model',
        promptTokens: 1200,
        completionTokens: 300,
        estimated: false,
        cost: null,
        currency: null
      }
    }
  ] as ConversationEntry[];
}

/** Outputs of the demo's cells, as the notebook holds them. */
const OUTPUTS: Record<string, nbformat.IOutput[]> = {
  c1: [
    {
      output_type: 'error',
      ename: 'UnicodeDecodeError',
      evalue: "'utf-8' codec can't decode byte 0xb1",
      traceback: [
        "\u001b[0;31mUnicodeDecodeError\u001b[0m: 'utf-8' codec can't decode byte 0xb1"
      ]
    }
  ],
  c2: [
    { output_type: 'stream', name: 'stdout', text: ['(31, 2)\n'] },
    {
      output_type: 'display_data',
      data: { 'image/png': PNG, 'text/plain': '<Figure size 640x480>' },
      metadata: {}
    }
  ]
};

const outputsOf = (step: IStepEntry) => OUTPUTS[step.cellId ?? ''] ?? null;

describe('the Markdown export', () => {
  it('writes instructions, answers, code, outputs as text and image links', () => {
    const { markdown, images } = conversationToMarkdown(gdpConversation(), {
      trans,
      notebook: 'work/直辖市.ipynb',
      imageFolder: '直辖市-conversation_files',
      outputsOf,
      date: DATE
    });
    expect(markdown).toContain('# Code Interpreter conversation: 直辖市.ipynb');
    expect(markdown).toContain('2026-11-29 08:30');
    expect(markdown).toContain(
      '## Instruction 1\n\n> 比较四个直辖市的 GDP\n> 用柱状图'
    );
    // Paths relative to the notebook's folder, where the export is written.
    expect(markdown).toContain('Attached: [省份 GDP.csv](<省份 GDP.csv>)');
    expect(markdown).toContain('Files: [gdp.png](<out/gdp.png>)');
    expect(markdown).toContain('我先读取文件。');
    expect(markdown).toContain('### ✗ Cell [1]: UnicodeDecodeError');
    expect(markdown).toContain(
      "```python\ndf = pd.read_csv('省份 GDP.csv')\n```"
    );
    // Colours are gone from tracebacks; a figure's text/plain says nothing its image does not.
    expect(markdown).toContain(
      "```text\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xb1\n```"
    );
    expect(markdown).not.toContain('\u001b');
    expect(markdown).not.toContain('<Figure size');
    expect(markdown).toContain('### ✓ Cell [2] done\n\n_Fix attempt 1/3_');
    expect(markdown).toContain('Output:\n\n```text\n(31, 2)\n```');
    expect(markdown).toContain(
      '![Image 1 of cell [2]](<直辖市-conversation_files/cell-2-1.png>)'
    );
    // The answer's own fences survive: its text is copied as Markdown.
    expect(markdown).toContain('```python\nprint("```")\n```');
    expect(markdown).toContain('Done. · scripted-model · 1.2k in · 300 out');
    // The notebook's full image, not the panel's thumbnail.
    expect(images).toEqual([
      { name: 'cell-2-1.png', mime: 'image/png', data: PNG }
    ]);
  });

  it('says so when a cell is gone, and falls back to the step’s thumbnail', () => {
    const { markdown, images } = conversationToMarkdown(gdpConversation(), {
      trans,
      notebook: 'a.ipynb',
      imageFolder: 'a-conversation_files',
      outputsOf: () => null,
      date: DATE
    });
    expect(markdown).toContain(
      'The output is not in the export: the cell is no longer in the notebook.'
    );
    expect(markdown).toContain(
      "```text\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xb1\n```"
    );
    expect(images.map(image => image.data)).toEqual(['thumbnail']);
  });

  it('fences code that holds backticks, and keeps outputs as plain text', () => {
    expect(fenced('a = "```"')).toBe('````\na = "```"\n````');
    expect(
      outputsAsText([
        { output_type: 'stream', name: 'stderr', text: 'warn\n' },
        {
          output_type: 'execute_result',
          execution_count: 1,
          data: { 'text/plain': '\u001b[1m42\u001b[0m' },
          metadata: {}
        }
      ])
    ).toBe('warn\n42\n');
  });

  it('names files safely, keeping letters of any script', () => {
    expect(safeFileName('直辖市 GDP: 比较/分析?.md')).toBe(
      '直辖市 GDP- 比较-分析-.md'
    );
    expect(safeFileName('..\\..\\etc#%')).toBe('etc-');
    expect(safeFileName('  ')).toBe('conversation');
  });
});

describe('exportConversation', () => {
  it('writes the Markdown and its images next to the notebook, never over a file', async () => {
    const contents = new FakeContents();
    contents.directories.add('work');
    contents.files.set('work/直辖市-conversation.md', 'an earlier export');
    const path = await exportConversation({
      contents,
      notebook: 'work/直辖市.ipynb',
      entries: gdpConversation(),
      outputsOf,
      trans,
      date: DATE
    });
    expect(path).toBe('work/直辖市-conversation (1).md');
    expect(contents.files.get('work/直辖市-conversation.md')).toBe(
      'an earlier export'
    );
    const markdown = contents.files.get(path)!;
    expect(markdown).toContain(
      '![Image 1 of cell [2]](<直辖市-conversation (1)_files/cell-2-1.png>)'
    );
    expect(
      contents.files.get('work/直辖市-conversation (1)_files/cell-2-1.png')
    ).toBe(atob(PNG));
  });
});
