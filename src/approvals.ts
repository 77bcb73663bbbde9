/**
 * Cells waiting for the user's Run or Skip when auto-run is off: one per
 * turn, since the agent loop waits for each answer.
 */

import { PromiseDelegate } from '@lumino/coreutils';

import type { ConversationStore } from './store';

/** What the user chose for a proposed cell. */
export type ApprovalChoice = 'run' | 'skip';

interface IPending {
  step: number;
  delegate: PromiseDelegate<ApprovalChoice>;
}

/** The proposed cells that wait for Run or Skip, by turn. */
export class Approvals {
  /** Track approvals in `store`'s step entries. */
  constructor(store: ConversationStore) {
    this._store = store;
  }

  /** Show Run / Skip on a step whose cell was inserted; resolves with the choice. */
  request(
    turnId: string,
    step: number,
    cellId: string,
    cellIndex: number
  ): Promise<ApprovalChoice> {
    this.cancel(turnId);
    const delegate = new PromiseDelegate<ApprovalChoice>();
    this._pending.set(turnId, { step, delegate });
    this._store.setStepCell(turnId, step, cellId, cellIndex);
    this._store.setStepAwaiting(turnId, step, true);
    return delegate.promise;
  }

  /** Answer a turn's waiting step; false when none waits. */
  answer(turnId: string, choice: ApprovalChoice): boolean {
    return this._settle(turnId, choice, choice === 'skip');
  }

  /** The turn stops or ends: its waiting cell is not run (and not marked skipped). */
  cancel(turnId: string): void {
    this._settle(turnId, 'skip', false);
  }

  private _settle(
    turnId: string,
    choice: ApprovalChoice,
    markSkipped: boolean
  ): boolean {
    const pending = this._pending.get(turnId);
    if (!pending) {
      return false;
    }
    this._pending.delete(turnId);
    this._store.setStepAwaiting(turnId, pending.step, false, markSkipped);
    pending.delegate.resolve(choice);
    return true;
  }

  private _store: ConversationStore;
  private _pending = new Map<string, IPending>();
}
