/**
 * Changes to cells that wait for the user's Accept or Reject (review): the
 * step shows the diff, the notebook cell a "pending review" marker, and the
 * change is applied only once accepted. Several may wait (Accept all).
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import { PromiseDelegate } from '@lumino/coreutils';

import { IConversation, IStepReview, updateStep } from '../conversation';
import type { ConversationStore } from '../store';

/** A change the model asked for, shown before it is applied. */
export interface IProposedChange {
  /** A new source for the cell, or its deletion. */
  kind: 'edit' | 'delete';
  /** The cell changed. */
  cellId: string;
  /** Its index now (0-based). */
  cellIndex: number;
  /** Its type (code, markdown, raw). */
  cellType: string;
  /** The cell's source now. */
  before: string;
  /** Its source after the change ('' for a deletion). */
  after: string;
  /** The kernel's language, for highlighting. */
  language: string;
  /** The cell's execution count now (its prompt's number), if any. */
  executionCount?: number | null;
  /** Mark the notebook cell with this label; returns the unmark. */
  mark?: (label: string) => () => void;
}

/** The user's answer to a proposed change. */
export interface IReviewDecision {
  /** Apply the change (false: leave the cell as it is). */
  accepted: boolean;
  /** What the user typed with Reject. */
  comment?: string;
}

/** Set (or change) the review shown on a step. */
export function setStepReview(
  conv: IConversation,
  turnId: string,
  step: number,
  change: Partial<IStepReview> & { executionCount?: number | null }
): IConversation {
  const { executionCount, ...review } = change;
  return updateStep(conv, turnId, step, e => ({
    ...e,
    ...(executionCount !== undefined ? { executionCount } : {}),
    review: { ...(e.review as IStepReview), ...review }
  }));
}

/** The steps of a conversation whose change waits for review. */
export function pendingReviews(
  conv: Pick<IConversation, 'entries'> | null
): number {
  return (conv?.entries ?? []).filter(
    e => e.kind === 'step' && e.review?.state === 'pending'
  ).length;
}

interface IPending {
  turnId: string;
  step: number;
  delegate: PromiseDelegate<IReviewDecision>;
  unmark: () => void;
}

/** The changes that wait for review, by turn and step. */
export class Reviews {
  /** Track reviews in `store`'s step entries; `trans` names the cell marker. */
  constructor(store: ConversationStore, trans: TranslationBundle) {
    this._store = store;
    this._trans = trans;
  }

  /** Show a change on its step and mark its cell; resolves with the user's decision. */
  request(
    turnId: string,
    step: number,
    change: IProposedChange
  ): Promise<IReviewDecision> {
    const key = `${turnId}\n${step}`;
    this._settle(key, { accepted: false }, 'cancelled');
    const delegate = new PromiseDelegate<IReviewDecision>();
    const unmark =
      change.mark?.(this._trans.__('Change pending review')) ??
      (() => undefined);
    this._pending.set(key, { turnId, step, delegate, unmark });
    this._store.setStepCell(turnId, step, change.cellId, change.cellIndex);
    this._store.updateConversationOfTurn(turnId, conv =>
      setStepReview(conv, turnId, step, {
        executionCount: change.executionCount ?? null,
        kind: change.kind,
        cellType: change.cellType,
        before: change.before,
        after: change.after,
        language: change.language,
        state: 'pending'
      })
    );
    return delegate.promise;
  }

  /** Accept or reject a step's change; false when none waits there. */
  decide(turnId: string, step: number, decision: IReviewDecision): boolean {
    return this._settle(
      `${turnId}\n${step}`,
      decision,
      decision.accepted ? 'accepted' : 'rejected'
    );
  }

  /** Accept every change that waits in a turn; returns how many. */
  acceptAll(turnId: string): number {
    let accepted = 0;
    for (const [key, pending] of [...this._pending]) {
      if (pending.turnId === turnId) {
        this._settle(key, { accepted: true }, 'accepted');
        accepted += 1;
      }
    }
    return accepted;
  }

  /** The turn stops or ends: its waiting changes are not applied. */
  cancel(turnId: string): void {
    for (const [key, pending] of [...this._pending]) {
      if (pending.turnId === turnId) {
        this._settle(key, { accepted: false }, 'cancelled');
      }
    }
  }

  private _settle(
    key: string,
    decision: IReviewDecision,
    state: IStepReview['state']
  ): boolean {
    const pending = this._pending.get(key);
    if (!pending) {
      return false;
    }
    this._pending.delete(key);
    pending.unmark();
    const { turnId, step } = pending;
    const comment = decision.comment?.trim();
    this._store.updateConversationOfTurn(turnId, conv =>
      setStepReview(conv, turnId, step, {
        state,
        ...(comment ? { comment } : {})
      })
    );
    pending.delegate.resolve(comment ? { ...decision, comment } : decision);
    return true;
  }

  private _store: ConversationStore;
  private _trans: TranslationBundle;
  private _pending = new Map<string, IPending>();
}

/**
 * What Undo of a turn does to the notebook, from its steps: the cells it
 * inserted (code and Markdown) are removed, the cells whose edit or deletion
 * was applied are restored.
 */
export function undoSummary(
  conv: Pick<IConversation, 'entries'>,
  turnId: string
): { remove: number; restore: number } {
  const removed = new Set<string>();
  const restored = new Set<string>();
  for (const e of conv.entries) {
    if (e.kind !== 'step' || e.turnId !== turnId || !e.cellId) {
      continue;
    }
    const action = e.action ?? 'run_code';
    if (action === 'run_code' || action === 'markdown') {
      removed.add(e.cellId);
    } else if (
      (action === 'edit' || action === 'delete') &&
      !e.rejected &&
      e.status !== 'aborted' &&
      (e.review?.state ?? 'accepted') === 'accepted'
    ) {
      restored.add(e.cellId);
    }
  }
  // A cell the turn inserted and then edited goes away: nothing to restore.
  restored.forEach(id => removed.has(id) && restored.delete(id));
  return { remove: removed.size, restore: restored.size };
}

/**
 * What the Undo confirmation says: the cells it removes and restores, and
 * what it cannot undo (the kernel's state, new runs of restored cells).
 */
export function undoDialogText(
  conv: Pick<IConversation, 'entries'>,
  turnId: string,
  trans: TranslationBundle
): string {
  const { remove, restore } = undoSummary(conv, turnId);
  const does = [
    trans._n(
      'The %1 cell this turn inserted is deleted from the notebook.',
      'The %1 cells this turn inserted are deleted from the notebook.',
      remove,
      remove
    ),
    ...(restore > 0
      ? [
          trans._n(
            'The %1 cell it edited or deleted is put back as it was, with the outputs saved before the turn.',
            'The %1 cells it edited or deleted are put back as they were, with the outputs saved before the turn.',
            restore,
            restore
          )
        ]
      : []),
    trans.__(
      'The turn leaves the conversation. What the code did in the kernel is not undone: variables, imported modules and written files stay, and cells that ran again are not run back.'
    )
  ];
  return does.join(' ');
}
