import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';

import { IStepEntry } from '../conversation';
import { Step, stepText } from '../components/Step';
import type { IReviewActions } from '../components/Review';
import { replayTurn } from '../history';
import { emptyConversation } from '../conversation';
import {
  IProposedChange,
  pendingReviews,
  undoDialogText,
  undoSummary
} from '../notebook/review';
import type { ITurnRecord } from '../protocol';
import {
  fakeController,
  FakeWebSocket,
  flush,
  IFakeController,
  pathPanel,
  READY_STATUS,
  stepEntry
} from './fakes';
import { mount, typeValue, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

/** A change to cell `c1` as the executor would propose it. */
function change(marks: string[] = []): IProposedChange {
  return {
    kind: 'edit',
    cellId: 'c1',
    cellIndex: 0,
    cellType: 'code',
    before: 'x = 1/0',
    after: 'x = 1',
    language: 'python',
    executionCount: 4,
    mark: label => {
      marks.push(`on:${label}`);
      return () => marks.push('off');
    }
  };
}

describe('review of the model’s changes', () => {
  let fake: IFakeController;
  let ws: FakeWebSocket;

  beforeEach(() => {
    fake = fakeController({ fetchStatus: async () => READY_STATUS });
    ws = fake.open();
  });

  afterEach(() => fake.dispose());

  async function turnWithEdits(steps: number[]): Promise<string> {
    const turnId = fake.controller.startTurn(pathPanel('a.ipynb'), 'fix it')!;
    await flush();
    ws.receive({
      type: 'turn_started',
      turnId,
      notebook: 'a.ipynb',
      model: 'm'
    });
    for (const step of steps) {
      ws.receive({
        type: 'step_started',
        turnId,
        step,
        code: 'x = 1',
        action: 'edit',
        cellId: 'c1'
      });
      ws.receive({
        type: 'notebook_request',
        turnId,
        requestId: `r${step}`,
        step,
        action: 'edit',
        cellId: 'c1',
        source: 'x = 1',
        run: true,
        review: true
      });
    }
    await flush();
    return turnId;
  }

  function stepOf(step: number): IStepEntry {
    return fake.store
      .get('a.ipynb')
      .entries.find(e => e.kind === 'step' && e.step === step) as IStepEntry;
  }

  it('sends trustEdits from the setting in the turn frame', async () => {
    fake.settings = { ...fake.settings, trustEdits: true };
    fake.controller.startTurn(pathPanel('a.ipynb'), 'go');
    await flush();
    expect(ws.frames[0].trustEdits).toBe(true);
    fake.settings = { ...fake.settings, trustEdits: false };
    const second = fake.controller.startTurn(pathPanel('b.ipynb'), 'go');
    await flush();
    expect(ws.frames.find(f => f.turnId === second)!.trustEdits).toBe(false);
  });

  it('pending → accepted: the step shows the change, the cell is marked, the result is sent', async () => {
    const turnId = await turnWithEdits([1]);
    const act0 = fake.executor.acts[0];
    expect(act0.frame).toMatchObject({ action: 'edit', review: true });
    const marks: string[] = [];
    const decision = act0.options.review!(change(marks));
    expect(stepOf(1)).toMatchObject({
      action: 'edit',
      cellId: 'c1',
      executionCount: 4,
      review: { state: 'pending', before: 'x = 1/0', after: 'x = 1' }
    });
    expect(marks).toEqual(['on:Change pending review']);
    expect(pendingReviews(fake.store.get('a.ipynb'))).toBe(1);
    expect(stepText(stepOf(1), trans)).toBe(
      'Proposed change to cell [4]: review it'
    );
    expect(fake.controller.reviews.decide(turnId, 1, { accepted: true })).toBe(
      true
    );
    await expect(decision).resolves.toEqual({ accepted: true });
    expect(marks).toEqual(['on:Change pending review', 'off']);
    expect(stepOf(1).review?.state).toBe('accepted');
    // Deciding twice does nothing.
    expect(fake.controller.reviews.decide(turnId, 1, { accepted: false })).toBe(
      false
    );
    fake.executor.acting[0].resolve({
      cellId: 'c1',
      cellIndex: 0,
      accepted: true
    });
    await flush();
    expect(ws.frames.slice(-1)[0]).toEqual({
      type: 'notebook_result',
      requestId: 'r1',
      result: { cellId: 'c1', cellIndex: 0, accepted: true }
    });
  });

  it('pending → rejected with a comment; an action that fails answers with its error', async () => {
    const turnId = await turnWithEdits([1]);
    const decision = fake.executor.acts[0].options.review!(change());
    fake.controller.reviews.decide(turnId, 1, {
      accepted: false,
      comment: '  keep the division  '
    });
    await expect(decision).resolves.toEqual({
      accepted: false,
      comment: 'keep the division'
    });
    expect(stepOf(1).review).toMatchObject({
      state: 'rejected',
      comment: 'keep the division'
    });
    fake.executor.acting[0].reject(
      new Error('There is no cell with id "c1" in a.ipynb')
    );
    await flush();
    expect(ws.frames.slice(-1)[0]).toEqual({
      type: 'notebook_result',
      requestId: 'r1',
      error: 'There is no cell with id "c1" in a.ipynb'
    });
  });

  it('accept all accepts every change waiting in the turn', async () => {
    const turnId = await turnWithEdits([1, 2]);
    const first = fake.executor.acts[0].options.review!(change());
    const second = fake.executor.acts[1].options.review!(change());
    expect(pendingReviews(fake.store.get('a.ipynb'))).toBe(2);
    expect(fake.controller.reviews.acceptAll(turnId)).toBe(2);
    await expect(first).resolves.toEqual({ accepted: true });
    await expect(second).resolves.toEqual({ accepted: true });
    expect(pendingReviews(fake.store.get('a.ipynb'))).toBe(0);
  });

  it('Stop ends a waiting review without applying it (cancelled, cell unmarked)', async () => {
    await turnWithEdits([1]);
    const marks: string[] = [];
    const decision = fake.executor.acts[0].options.review!(change(marks));
    fake.controller.stop('a.ipynb');
    await expect(decision).resolves.toEqual({ accepted: false });
    expect(stepOf(1).review?.state).toBe('cancelled');
    expect(marks.slice(-1)).toEqual(['off']);
  });

  it('undone restores cells through the executor, newest first', () => {
    const restoreCells = [
      {
        cellId: 'c2',
        action: 'delete' as const,
        before: {
          cellType: 'code' as const,
          source: 'b',
          outputs: [],
          executionCount: null,
          index: 1
        }
      }
    ];
    ws.receive({
      type: 'undone',
      notebook: 'a.ipynb',
      turnId: 't1',
      removeCellIds: ['n1'],
      restoreCells
    });
    expect(fake.executor.restored).toEqual([['a.ipynb', restoreCells]]);
    expect(fake.executor.removed).toEqual([['a.ipynb', ['n1']]]);
  });
});

/** A step whose change waits for review: `kind` of a cell from `before` to `after`. */
function pendingStep(
  kind: 'edit' | 'delete',
  before: string,
  after = ''
): IStepEntry {
  return stepEntry({
    action: kind,
    cellId: 'c1',
    executionCount: 4,
    review: {
      kind,
      cellType: 'code',
      before,
      after,
      language: 'python',
      state: 'pending'
    }
  });
}

describe('reviewed steps in the conversation', () => {
  /** A stored turn: a new cell, an accepted edit, a rejected deletion. */
  const record: ITurnRecord = {
    turnId: 't1',
    instruction: 'fix',
    attachments: [],
    provider: null,
    model: 'm',
    startedAt: '',
    finishedAt: '',
    reason: 'done',
    message: null,
    usage: null,
    undoable: true,
    events: [
      { type: 'step_started', turnId: 't1', step: 1, code: 'y = 2' },
      {
        type: 'step_finished',
        turnId: 't1',
        step: 1,
        status: 'ok',
        cellId: 'n1',
        executionCount: 5
      },
      {
        type: 'step_started',
        turnId: 't1',
        step: 2,
        code: 'x = 1',
        action: 'edit',
        cellId: 'c1'
      },
      {
        type: 'step_finished',
        turnId: 't1',
        step: 2,
        status: 'ok',
        cellId: 'c1',
        executionCount: 6
      },
      {
        type: 'step_started',
        turnId: 't1',
        step: 3,
        code: '',
        action: 'delete',
        cellId: 'c2'
      },
      {
        type: 'step_finished',
        turnId: 't1',
        step: 3,
        status: 'ok',
        cellId: 'c2',
        rejected: true
      }
    ]
  };

  it('replays reviewed steps as done or rejected, never with live buttons', async () => {
    const conv = replayTurn(emptyConversation('a.ipynb'), record, false);
    const steps = conv.entries.filter(e => e.kind === 'step') as IStepEntry[];
    expect(steps.map(s => stepText(s, trans))).toEqual([
      '✓ Cell [5] done',
      '✓ Edited cell [6]',
      '✗ Deletion of the cell rejected'
    ]);
    const decide = jest.fn();
    const actions: IReviewActions = { decide, acceptAll: jest.fn() };
    const widget = await mount(
      <>
        {steps.map(s => (
          <Step
            key={s.id}
            step={s}
            trans={trans}
            onShowCell={() => undefined}
            review={actions}
          />
        ))}
      </>
    );
    expect(
      widget.node.querySelectorAll('.jp-CodeInterp-reviewAccept')
    ).toHaveLength(0);
    expect(
      widget.node.querySelector('[data-status="rejected"]')
    ).not.toBeNull();
    await unmount(widget);
    // Undo removes the new cell and restores the edited one, not the rejected deletion.
    expect(undoSummary(conv, 't1')).toEqual({ remove: 1, restore: 1 });
    const said = undoDialogText(conv, 't1', trans);
    expect(said).toContain('The 1 cell this turn inserted is deleted');
    expect(said).toContain('The 1 cell it edited or deleted is put back');
    expect(said).toContain(
      'variables, imported modules and written files stay'
    );
  });

  it('shows the side-by-side diff with Accept / Reject (with comment) / Accept all', async () => {
    const decide = jest.fn();
    const acceptAll = jest.fn();
    const step = pendingStep('edit', 'x = 1/0', 'x = 1');
    const widget = await mount(
      <Step
        step={step}
        trans={trans}
        onShowCell={() => undefined}
        review={{ decide, acceptAll }}
        severalPending
      />
    );
    const node = widget.node;
    expect(node.querySelector('.cm-mergeView')).not.toBeNull();
    expect(node.textContent).toContain('x = 1/0');
    expect(
      node.querySelector('.cm-changedLine, .cm-changedText')
    ).not.toBeNull();
    const comment = node.querySelector(
      '.jp-CodeInterp-reviewComment'
    ) as HTMLInputElement;
    await typeValue(comment, 'no');
    await act(async () =>
      (node.querySelector('.jp-CodeInterp-reviewReject') as HTMLElement).click()
    );
    expect(decide).toHaveBeenCalledWith(step, {
      accepted: false,
      comment: 'no'
    });
    await act(async () =>
      (
        node.querySelector('.jp-CodeInterp-reviewAcceptAll') as HTMLElement
      ).click()
    );
    expect(acceptAll).toHaveBeenCalledWith(step);
    await unmount(widget);
  });

  it('shows the cell a deletion would remove', async () => {
    const step = pendingStep('delete', 'del_me = 1');
    const widget = await mount(
      <Step
        step={step}
        trans={trans}
        onShowCell={() => undefined}
        review={{ decide: jest.fn(), acceptAll: jest.fn() }}
      />
    );
    const diff = widget.node.querySelector('.jp-CodeInterp-diff')!;
    expect(diff.getAttribute('data-kind')).toBe('delete');
    expect(diff.textContent).toContain('del_me = 1');
    expect(
      widget.node.querySelector('.jp-CodeInterp-reviewAcceptAll')
    ).toBeNull();
    await unmount(widget);
  });
});
