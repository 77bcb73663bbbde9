import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { Composer } from '../components/Composer';
import { Step } from '../components/Step';
import { IStepEntry } from '../conversation';
import { stepEntry } from './fakes';
import { mount, mountComposer, press, typeValue } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

describe('Composer', () => {
  let widget: Widget;
  let sent: string[];

  beforeEach(async () => {
    ({ widget, sent } = await mountComposer(trans));
  });

  afterEach(async () => {
    await act(async () => widget.dispose());
  });

  const area = () =>
    widget.node.querySelector('.jp-CodeInterp-input') as HTMLTextAreaElement;

  it('sends on Enter and clears the box', async () => {
    await typeValue(area(), '画一个正弦曲线');
    await press(area(), {});
    expect(sent).toEqual(['画一个正弦曲线']);
    expect(area().value).toBe('');
  });

  it('does not send on Shift+Enter', async () => {
    await typeValue(area(), 'line 1');
    await press(area(), { shiftKey: true });
    expect(sent).toEqual([]);
  });

  it('does not send on Enter while an IME composes', async () => {
    await typeValue(area(), 'hua');
    await press(area(), { isComposing: true });
    await press(area(), { keyCode: 229 } as KeyboardEventInit);
    expect(sent).toEqual([]);
    expect(area().value).toBe('hua');
  });

  it('sends with the Send button, which is disabled when empty', async () => {
    const button = widget.node.querySelector(
      '.jp-CodeInterp-send'
    ) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await typeValue(area(), 'describe df');
    expect(button.disabled).toBe(false);
    await act(async () => button.click());
    expect(sent).toEqual(['describe df']);
  });
});

describe('Composer while a turn runs', () => {
  it('disables Send and offers Stop', async () => {
    let stopped = 0;
    const widget = await mount(
      <Composer
        busy={true}
        trans={trans}
        onSend={() => true}
        onStop={() => (stopped += 1)}
      />
    );
    const send = widget.node.querySelector(
      '.jp-CodeInterp-send'
    ) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    const stop = widget.node.querySelector(
      '.jp-CodeInterp-stop'
    ) as HTMLButtonElement;
    await act(async () => stop.click());
    expect(stopped).toBe(1);
    await act(async () => widget.dispose());
  });
});

describe('Step', () => {
  it('keeps one numbering, the notebook’s, from running to done', async () => {
    const running = { ...base };
    const done = { ...base, status: 'ok', executionCount: 5 } as IStepEntry;
    const texts: string[] = [];
    const labels: string[] = [];
    for (const step of [running, done]) {
      const widget = await mount(
        <Step step={step} trans={trans} onShowCell={() => undefined} />
      );
      const main = widget.node.querySelector(
        '.jp-CodeInterp-stepMain'
      ) as HTMLElement;
      texts.push(main.textContent ?? '');
      labels.push(main.getAttribute('aria-label') ?? '');
      await act(async () => widget.dispose());
    }
    expect(texts).toEqual(['Running cell [*]…', '✓ Cell [5] done']);
    expect(labels).toEqual([
      'Show cell [*] in the notebook',
      'Show cell [5] in the notebook'
    ]);
  });

  const base = stepEntry({ code: '1/0' });

  // The step's cell is the notebook's third (cellIndex 2): its position never
  // shows, only the execution count the notebook's prompt shows ([*] while it runs).
  it.each([
    [{}, 'running', 'Running cell [*]…'],
    [{ cellId: null }, 'running', 'Running code…'],
    [{ status: 'ok', executionCount: 5 }, 'ok', '✓ Cell [5] done'],
    [
      { status: 'error', executionCount: 5, ename: 'ZeroDivisionError' },
      'error',
      '✗ Cell [5]: ZeroDivisionError'
    ],
    [{ status: 'aborted', executionCount: 5 }, 'aborted', '⊘ Cell [5] aborted'],
    [{ status: 'aborted' }, 'aborted', '⊘ The code did not run']
  ] as const)('shows %j', async (change, status, label) => {
    const shown: IStepEntry[] = [];
    const step = { ...base, ...change } as IStepEntry;
    const widget = await mount(
      <Step step={step} trans={trans} onShowCell={s => shown.push(s)} />
    );
    const node = widget.node.querySelector(
      '.jp-CodeInterp-step'
    ) as HTMLElement;
    expect(node.dataset.status).toBe(status);
    expect(node.textContent).toContain(label);
    expect(node.textContent).not.toContain('[3]');
    const main = node.querySelector('.jp-CodeInterp-stepMain') as HTMLElement;
    await act(async () => main.click());
    expect(shown).toEqual([step]);
    await act(async () => widget.dispose());
  });
});
