/**
 * The panel's parts for approval, fix attempts, images, undo and the
 * conversation list.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import type { ApprovalChoice } from '../approvals';
import { ConversationMenu } from '../components/Conversations';
import { Messages } from '../components/Messages';
import { PanelView } from '../components/Panel';
import { Step } from '../components/Step';
import {
  ConversationEntry,
  emptyConversation,
  IStepEntry
} from '../conversation';
import type { IConversationSummary } from '../protocol';
import { panelViewProps, stepEntry } from './fakes';
import { mount, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

const base = stepEntry();

function click(widget: Widget, selector: string): Promise<void> {
  const node = widget.node.querySelector(selector) as HTMLElement | null;
  expect(node).not.toBeNull();
  return act(async () => node!.click());
}

describe('Step with approval, attempts and images', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  it('offers Run, Edit in notebook and Skip while the cell waits', async () => {
    const answers: ApprovalChoice[] = [];
    const edited: IStepEntry[] = [];
    const step = { ...base, awaiting: true };
    widget = await mount(
      <Step
        step={step}
        trans={trans}
        onShowCell={() => undefined}
        onApprove={(_, choice) => answers.push(choice)}
        onEditCell={s => edited.push(s)}
      />
    );
    const node = widget.node.querySelector(
      '.jp-CodeInterp-step'
    ) as HTMLElement;
    expect(node.dataset.status).toBe('awaiting');
    // Not run yet: no number, as the notebook's `[ ]` prompt (never the position).
    expect(node.textContent).toContain('The cell waits for Run or Skip');
    await click(widget, '.jp-CodeInterp-approveRun');
    await click(widget, '.jp-CodeInterp-approveEdit');
    await click(widget, '.jp-CodeInterp-approveSkip');
    expect(answers).toEqual(['run', 'skip']);
    expect(edited).toEqual([step]);
  });

  it('has no approval buttons once answered; shows skipped steps', async () => {
    widget = await mount(
      <Step
        step={{ ...base, status: 'ok', skipped: true }}
        trans={trans}
        onShowCell={() => undefined}
        onApprove={() => undefined}
      />
    );
    expect(widget.node.querySelector('.jp-CodeInterp-approval')).toBeNull();
    const node = widget.node.querySelector(
      '.jp-CodeInterp-step'
    ) as HTMLElement;
    expect(node.dataset.status).toBe('skipped');
    expect(node.textContent).toContain('↷ skipped');
    expect(node.textContent).not.toContain('[3]');
  });

  it('labels fix attempts and re-runs; an image click reveals the cell', async () => {
    const shown: IStepEntry[] = [];
    const step: IStepEntry = {
      ...base,
      status: 'ok',
      executionCount: 7,
      attempt: { number: 2, of: 3 },
      replaces: 'c1',
      images: [{ mime: 'image/png', data: 'iVBORw0KGgo=' }]
    };
    widget = await mount(
      <Step step={step} trans={trans} onShowCell={s => shown.push(s)} />
    );
    expect(
      widget.node.querySelector('.jp-CodeInterp-stepTags')?.textContent
    ).toBe('Fix attempt 2/3 · re-runs the same cell with new code');
    const img = widget.node.querySelector(
      '.jp-CodeInterp-stepImage img'
    ) as HTMLImageElement;
    expect(img.src).toBe('data:image/png;base64,iVBORw0KGgo=');
    await click(widget, '.jp-CodeInterp-stepImage');
    expect(shown).toEqual([step]);
  });
});

describe('Step images', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  it('open at full size on a click when the panel can open them', async () => {
    const opened: [IStepEntry, number][] = [];
    const shown: IStepEntry[] = [];
    const step: IStepEntry = {
      ...base,
      status: 'ok',
      executionCount: 4,
      images: [
        { mime: 'image/png', data: 'iVBORw0KGgo=' },
        { mime: 'image/png', data: 'iVBORw0KGgp=' }
      ]
    };
    widget = await mount(
      <Step
        step={step}
        trans={trans}
        onShowCell={s => shown.push(s)}
        onOpenImage={(s, index) => opened.push([s, index])}
      />
    );
    const buttons = widget.node.querySelectorAll('.jp-CodeInterp-stepImage');
    expect(buttons[1].getAttribute('title')).toBe(
      'Open this image at full size'
    );
    expect(buttons[1].querySelector('img')?.alt).toBe('Image 2 of cell [4]');
    await act(async () => (buttons[1] as HTMLElement).click());
    expect(opened).toEqual([[step, 1]]);
    expect(shown).toEqual([]);
  });
});

describe('Messages: gave up and undo', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  const entries: ConversationEntry[] = [
    { kind: 'user', id: 'a:0', turnId: 'a', text: 'first' },
    {
      kind: 'notice',
      id: 'a:1',
      turnId: 'a',
      reason: 'done',
      message: null
    },
    { kind: 'user', id: 'b:2', turnId: 'b', text: 'second' },
    {
      kind: 'notice',
      id: 'b:3',
      turnId: 'b',
      reason: 'gave_up',
      message: 'NameError: x is not defined'
    }
  ];

  it('shows why a turn gave up and Undo on the undoable turn only', async () => {
    const undone: string[] = [];
    widget = await mount(
      <Messages
        entries={entries}
        rendermime={{} as IRenderMimeRegistry}
        trans={trans}
        onShowCell={() => undefined}
        undoableTurnId="b"
        onUndo={turnId => undone.push(turnId)}
      />
    );
    const notice = widget.node.querySelector(
      '.jp-CodeInterp-turnNotice[data-reason="gave_up"]'
    );
    expect(notice?.textContent).toContain('NameError: x is not defined');
    const buttons = widget.node.querySelectorAll('.jp-CodeInterp-undo');
    expect(buttons).toHaveLength(1);
    expect((buttons[0] as HTMLElement).title).toContain(
      'Variables and files it made in the kernel stay'
    );
    await act(async () => (buttons[0] as HTMLElement).click());
    expect(undone).toEqual(['b']);
  });
});

describe('ConversationMenu', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  const items: IConversationSummary[] = [
    {
      id: 'c2',
      title: '画一个直方图',
      createdAt: '2026-11-23T10:00:00Z',
      updatedAt: '2026-11-23T10:05:00Z',
      turns: 2
    },
    {
      id: 'c1',
      title: 'load the data',
      createdAt: '2026-11-22T10:00:00Z',
      updatedAt: '2026-11-22T10:05:00Z',
      turns: 1
    }
  ];

  it('asks for the list when opened; opens and deletes conversations', async () => {
    let listed = 0;
    const opened: string[] = [];
    const deleted: string[] = [];
    widget = await mount(
      <ConversationMenu
        list={{
          type: 'conversations',
          notebook: 'a.ipynb',
          currentId: 'c2',
          items
        }}
        busy={false}
        trans={trans}
        onList={() => (listed += 1)}
        onOpen={id => opened.push(id)}
        onDelete={item => deleted.push(item.id)}
      />
    );
    expect(
      widget.node.querySelector('.jp-CodeInterp-conversationList')
    ).toBeNull();
    await click(widget, '.jp-CodeInterp-conversationsButton');
    expect(listed).toBe(1);
    const rows = widget.node.querySelectorAll(
      '.jp-CodeInterp-conversationItem'
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('画一个直方图');
    expect(rows[0].textContent).toContain('2 turns');
    expect((rows[0] as HTMLElement).dataset.current).toBe('true');
    // The current one cannot be opened again; the other can.
    expect(
      (
        rows[0].querySelector(
          '.jp-CodeInterp-conversationOpen'
        ) as HTMLButtonElement
      ).disabled
    ).toBe(true);
    await click(widget, '[data-id="c1"] .jp-CodeInterp-conversationOpen');
    expect(opened).toEqual(['c1']);
    await click(widget, '.jp-CodeInterp-conversationsButton');
    await click(widget, '[data-id="c2"] .jp-CodeInterp-conversationDelete');
    expect(deleted).toEqual(['c2']);
  });

  it('closes on Escape and on a click elsewhere', async () => {
    widget = await mount(
      <ConversationMenu
        list={null}
        busy={false}
        trans={trans}
        onList={() => undefined}
        onOpen={() => undefined}
        onDelete={() => undefined}
      />
    );
    const list = () =>
      widget.node.querySelector('.jp-CodeInterp-conversationList');
    await click(widget, '.jp-CodeInterp-conversationsButton');
    expect(list()?.textContent).toBe('Loading…');
    await act(async () => {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    });
    expect(list()).toBeNull();
    await click(widget, '.jp-CodeInterp-conversationsButton');
    await act(async () => {
      document.body.dispatchEvent(
        new MouseEvent('mousedown', { bubbles: true })
      );
    });
    expect(list()).toBeNull();
  });
});

describe('a turn running in another tab', () => {
  it('is shown as running, without Stop', async () => {
    const conversation = {
      ...emptyConversation('a.ipynb'),
      turn: { turnId: 'x', started: true, model: 'm', remote: true }
    };
    const widget = await mount(
      <PanelView {...panelViewProps(trans)} conversation={conversation} />
    );
    expect(
      widget.node.querySelector('.jp-CodeInterp-remoteTurn')?.textContent
    ).toContain('runs in another tab');
    expect(widget.node.querySelector('.jp-CodeInterp-stop')).toBeNull();
    expect(
      (widget.node.querySelector('.jp-CodeInterp-send') as HTMLButtonElement)
        .disabled
    ).toBe(true);
    await unmount(widget);
  });
});

describe('the auto-run toggle', () => {
  it('shows the setting and changes it', async () => {
    const changes: boolean[] = [];
    const widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        autoRun={false}
        onAutoRunChange={value => changes.push(value)}
      />
    );
    const box = widget.node.querySelector(
      '.jp-CodeInterp-autoRun input'
    ) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await act(async () => box.click());
    expect(changes).toEqual([true]);
    await unmount(widget);
  });
});
