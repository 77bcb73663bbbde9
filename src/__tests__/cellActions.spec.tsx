/**
 * The notebook agent's entry points in the panel: cells attached by Fix,
 * Explain and Ask about cells, the plan checklist, question buttons and the
 * rules line (docs/protocol.md, issue 15).
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { CellChips } from '../cellChips';
import { Messages } from '../components/Messages';
import { PanelView } from '../components/Panel';
import {
  applyFrame,
  beginTurn,
  emptyConversation,
  IConversation
} from '../conversation';
import { replayHistory } from '../history';
import {
  attachedCell,
  cellActionInstruction,
  cellLabel
} from '../notebook/attachedCells';
import type { ITurnRecord, ServerFrame } from '../protocol';
import {
  fakeController,
  flush,
  makeNotebook,
  makePanel,
  panelViewProps,
  READY_STATUS
} from './fakes';
import { mount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

/** A traceback longer than any output limit used here, with ANSI colours. */
const TRACEBACK = [
  '\u001b[0;31mZeroDivisionError\u001b[0m Traceback (most recent call last)',
  ...Array.from({ length: 30 }, (_, i) => `  frame ${i}: x = 1 / 0`),
  '\u001b[0;31mZeroDivisionError\u001b[0m: division by zero'
];

/** A notebook whose second cell ran as [3] and failed, after printing a lot. */
function failingNotebook() {
  const failed: nbformat.ICodeCell = {
    cell_type: 'code',
    id: 'bad',
    source: 'print("x" * 500)\n1/0',
    metadata: {},
    execution_count: 3,
    outputs: [
      { output_type: 'stream', name: 'stdout', text: 'x'.repeat(500) },
      {
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: TRACEBACK
      }
    ]
  };
  return makeNotebook(['import math', failed], 1);
}

describe('cells attached by Fix and Explain', () => {
  it('sends the source, outputs compacted and the error with its whole traceback', () => {
    const model = failingNotebook().model;
    const cell = attachedCell(model, 'bad', 100)!;
    expect(cell.index).toBe(1);
    expect(cell.source).toBe('print("x" * 500)\n1/0');
    const [stream, error] = cell.outputs as [nbformat.IStream, nbformat.IError];
    // The print is cut to the output limit, like an execute result …
    expect((stream.text as string).length).toBeLessThan(200);
    expect(stream.text).toContain('characters elided');
    // … the traceback is not, and loses its colours.
    expect(error.traceback).toEqual([
      TRACEBACK.join('\n').replace(/\u001b\[[0-9;]*m/g, '')
    ]);
    expect(error.traceback[0]).toContain('frame 29');
    expect(attachedCell(model, 'gone', 100)).toBeNull();
  });

  it('names the cell by its execution count in the translated instruction', () => {
    const model = failingNotebook().model;
    expect(cellActionInstruction('fix', cellLabel(model, 'bad'), trans)).toBe(
      'Fix the error in cell [3].'
    );
    const first = model!.cells.get(0).id;
    expect(
      cellActionInstruction('explain', cellLabel(model, first), trans)
    ).toBe('Explain the output of cell #1.');
  });

  it('puts the cells in the turn frame and their chips on the instruction', async () => {
    const fake = fakeController({ fetchStatus: async () => READY_STATUS });
    const ws = fake.open();
    const { panel } = makePanel({ notebook: failingNotebook() });
    const turnId = fake.controller.startTurn(
      panel,
      'Fix the error in cell [3].',
      [],
      ['bad', 'gone']
    );
    await flush();
    const frame = ws.frames[0];
    expect(frame.attachedCells.map((c: { id: string }) => c.id)).toEqual([
      'bad'
    ]);
    expect(frame.attachedCells[0].outputs[1].traceback[0]).toContain(
      'frame 29'
    );
    const user = fake.store.get('a.ipynb').entries[0];
    expect(user.kind === 'user' && user.cells).toEqual([
      { id: 'bad', index: 1 }
    ]);
    expect(turnId).not.toBeNull();
    fake.dispose();
  });

  it('Retry sends the same cells again, as they are now', async () => {
    const fake = fakeController({ fetchStatus: async () => READY_STATUS });
    const ws = fake.open();
    const { panel } = makePanel({ notebook: failingNotebook() });
    const turnId = fake.controller.startTurn(panel, 'Fix it', [], ['bad'])!;
    await flush();
    ws.receive({
      type: 'turn_finished',
      turnId,
      reason: 'error',
      message: 'provider down'
    });
    fake.controller.retry(panel, turnId);
    await flush();
    expect(ws.frames[1].instruction).toBe('Fix it');
    expect(ws.frames[1].attachedCells[0].id).toBe('bad');
    fake.dispose();
  });
});

describe('the composer’s cell chips', () => {
  it('adds each cell once, removes and clears per notebook', () => {
    const chips = new CellChips();
    let changes = 0;
    chips.changed.connect(() => (changes += 1));
    chips.add('a.ipynb', [
      { id: 'c1', label: '[1]' },
      { id: 'c2', label: '[2]' }
    ]);
    chips.add('a.ipynb', [{ id: 'c1', label: '[1]' }]);
    chips.add('b.ipynb', [{ id: 'c9', label: '#1' }]);
    expect(chips.items('a.ipynb').map(c => c.id)).toEqual(['c1', 'c2']);
    chips.remove('a.ipynb', 'c1');
    expect(chips.items('a.ipynb').map(c => c.id)).toEqual(['c2']);
    chips.clear('a.ipynb');
    expect(chips.items('a.ipynb')).toEqual([]);
    expect(chips.items('b.ipynb').map(c => c.id)).toEqual(['c9']);
    expect(changes).toBe(4);
  });

  it('shows removable chips above the composer; a click shows the cell', async () => {
    const removed: string[] = [];
    const shown: string[] = [];
    const widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        agent={{
          chips: [{ id: 'c7', label: '[7]' }],
          onRemoveChip: id => removed.push(id),
          onShowCell: id => shown.push(id),
          onAnswer: () => undefined,
          cellLabel: cell => `#${cell.index + 1}`
        }}
      />
    );
    const chip = widget.node.querySelector(
      '.jp-CodeInterp-composer .jp-CodeInterp-cellChip'
    )!;
    expect(chip.textContent).toContain('Cell [7]');
    await act(async () =>
      (chip.querySelector('.jp-CodeInterp-chipName') as HTMLElement).click()
    );
    await act(async () =>
      (chip.querySelector('.jp-CodeInterp-chipRemove') as HTMLElement).click()
    );
    expect(shown).toEqual(['c7']);
    expect(removed).toEqual(['c7']);
    await act(async () => widget.dispose());
  });
});

/** A conversation with one started turn `t1` and these frames applied. */
function withFrames(frames: ServerFrame[], turnId = 't1'): IConversation {
  let conv = beginTurn(emptyConversation('a.ipynb'), turnId, 'go');
  conv = applyFrame(conv, {
    type: 'turn_started',
    turnId,
    notebook: 'a.ipynb',
    model: 'm'
  });
  for (const frame of frames) {
    conv = applyFrame(conv, frame);
  }
  return conv;
}

describe('plans, questions and rules in the conversation', () => {
  it('keeps one checklist per turn: the latest plan replaces the earlier in place', () => {
    const conv = withFrames([
      {
        type: 'plan',
        turnId: 't1',
        items: [
          { text: 'load', done: false },
          { text: 'plot', done: false }
        ]
      },
      { type: 'text', turnId: 't1', delta: 'Loading.' },
      {
        type: 'plan',
        turnId: 't1',
        items: [
          { text: 'load', done: true },
          { text: 'plot', done: false }
        ]
      }
    ]);
    const kinds = conv.entries.map(e => e.kind);
    expect(kinds).toEqual(['user', 'plan', 'assistant']);
    const plan = conv.entries[1];
    expect(plan.kind === 'plan' && plan.items.map(i => i.done)).toEqual([
      true,
      false
    ]);
  });

  it('replays the plan, the question, the rules and the attached cells from history', () => {
    const record: ITurnRecord = {
      turnId: 't1',
      instruction: 'Fix the error in cell [3].',
      attachments: [],
      provider: null,
      model: 'm',
      startedAt: '',
      finishedAt: '',
      reason: 'question',
      message: null,
      usage: null,
      undoable: true,
      events: [
        {
          type: 'turn_started',
          turnId: 't1',
          notebook: 'a.ipynb',
          model: 'm',
          attachedCells: [{ id: 'bad', index: 1 }],
          rules: [
            {
              source: 'agents',
              path: 'AGENTS.md',
              chars: 40,
              truncated: false
            },
            { source: 'config', chars: 12, truncated: false }
          ]
        },
        {
          type: 'plan',
          turnId: 't1',
          items: [{ text: 'read data', done: true }]
        },
        {
          type: 'question',
          turnId: 't1',
          question: 'Which column?',
          choices: ['price', 'qty']
        },
        { type: 'turn_finished', turnId: 't1', reason: 'question' }
      ]
    };
    const conv = replayHistory(
      emptyConversation('a.ipynb'),
      {
        type: 'history',
        notebook: 'a.ipynb',
        conversationId: 'c',
        title: '',
        turns: [record],
        runningTurnId: null
      },
      null
    );
    expect(conv.entries.map(e => e.kind)).toEqual([
      'user',
      'rules',
      'plan',
      'question',
      'notice'
    ]);
    const user = conv.entries[0];
    expect(user.kind === 'user' && user.cells).toEqual([
      { id: 'bad', index: 1 }
    ]);
  });
});

describe('the agent’s entries as the panel shows them', () => {
  let widget: Widget | null = null;
  afterEach(async () => {
    await act(async () => widget?.dispose());
    widget = null;
  });

  const question: ServerFrame = {
    type: 'question',
    turnId: 't1',
    question: 'Which column should I plot?',
    choices: ['price', 'qty']
  };
  const finished: ServerFrame = {
    type: 'turn_finished',
    turnId: 't1',
    reason: 'question'
  };

  async function show(
    conv: IConversation,
    props: Partial<React.ComponentProps<typeof Messages>> = {}
  ): Promise<Widget> {
    widget = await mount(
      <Messages
        entries={conv.entries}
        rendermime={{} as any}
        trans={trans}
        onShowCell={() => undefined}
        {...props}
      />
    );
    return widget;
  }

  it('sends a choice of the newest question as the answer, with no error notice', async () => {
    const answers: string[] = [];
    const shown = await show(withFrames([question, finished]), {
      onAnswer: answer => answers.push(answer)
    });
    expect(
      shown.node.querySelector('.jp-CodeInterp-questionText')!.textContent
    ).toBe('Which column should I plot?');
    const buttons = shown.node.querySelectorAll<HTMLButtonElement>(
      'button.jp-CodeInterp-choice'
    );
    expect(Array.from(buttons, b => b.textContent)).toEqual(['price', 'qty']);
    await act(async () => buttons[1].click());
    expect(answers).toEqual(['qty']);
    expect(shown.node.querySelector('.jp-CodeInterp-turnNotice')).toBeNull();
  });

  it('disables the choices while a turn runs and keeps older questions as text', async () => {
    let conv = withFrames([question, finished]);
    let shown = await show(conv, { onAnswer: () => undefined, busy: true });
    expect(
      shown.node.querySelector<HTMLButtonElement>(
        'button.jp-CodeInterp-choice'
      )!.disabled
    ).toBe(true);
    await act(async () => shown.dispose());
    conv = beginTurn(conv, 't2', 'price');
    shown = await show(conv, { onAnswer: () => undefined });
    expect(shown.node.querySelector('button.jp-CodeInterp-choice')).toBeNull();
    expect(
      Array.from(
        shown.node.querySelectorAll('.jp-CodeInterp-choice'),
        c => c.textContent
      )
    ).toEqual(['price', 'qty']);
  });

  it('ticks and strikes done plan items', async () => {
    const shown = await show(
      withFrames([
        {
          type: 'plan',
          turnId: 't1',
          items: [
            { text: 'load', done: true },
            { text: 'plot', done: false }
          ]
        }
      ])
    );
    const items = shown.node.querySelectorAll('.jp-CodeInterp-planItem');
    expect(Array.from(items, i => i.getAttribute('data-done'))).toEqual([
      'true',
      'false'
    ]);
    expect(
      Array.from(
        items,
        i => (i.querySelector('input') as HTMLInputElement).checked
      )
    ).toEqual([true, false]);
    expect(
      shown.node.querySelector('.jp-CodeInterp-planTitle')!.textContent
    ).toBe('Plan (1 of 2 done)');
  });

  it('shows the rules with AGENTS.md as a link that opens it', async () => {
    const opened: string[] = [];
    let conv = beginTurn(emptyConversation('a.ipynb'), 't1', 'go');
    conv = applyFrame(conv, {
      type: 'turn_started',
      turnId: 't1',
      notebook: 'a.ipynb',
      model: 'm',
      rules: [
        {
          source: 'agents',
          path: 'proj/AGENTS.md',
          chars: 40,
          truncated: false
        },
        { source: 'config', chars: 12, truncated: true }
      ]
    });
    const shown = await show(conv, { onOpenRules: path => opened.push(path) });
    const line = shown.node.querySelector('.jp-CodeInterp-rules')!;
    expect(line.textContent).toBe('Rules: AGENTS.md · server rules');
    await act(async () =>
      (line.querySelector('.jp-CodeInterp-rulesLink') as HTMLElement).click()
    );
    expect(opened).toEqual(['proj/AGENTS.md']);
  });
});
