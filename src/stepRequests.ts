/**
 * The panel's answers to a running turn's requests: `execute_request` (insert
 * and run a new cell, after Run or Skip when auto-run is off) and
 * `notebook_request` (act on existing cells, after review when asked).
 */

import type { TranslationBundle } from '@jupyterlab/translation';

import { ApprovalChoice, Approvals } from './approvals';
import { errorMessage } from './errors';
import { reportsMissingCjkGlyphs } from './notebook/glyphs';
import { Reviews } from './notebook/review';
import type { INotebookExecutor } from './notebook/tokens';
import type {
  ClientFrame,
  IExecuteRequestFrame,
  IExecutionResult,
  INotebookActionFrame,
  ServerFrame
} from './protocol';
import type { ConversationStore } from './store';
import { ITurnSettings, outputLimitOf } from './turnSettings';

/**
 * Answers the notebook requests of running turns through the executor, with
 * the user's Run / Skip and review in between.
 */
export class StepRequests {
  /** Answer requests with `executor`, showing waits in `store`'s entries. */
  constructor(options: StepRequests.IOptions) {
    this._store = options.store;
    this._executor = options.executor;
    this._settings = options.settings;
    this._send = options.send;
    this._approvals = new Approvals(this._store);
    this.reviews = new Reviews(this._store, options.trans);
  }

  /** Changes to cells that wait for the user's Accept or Reject. */
  readonly reviews: Reviews;

  /** Remember the kernel (id) and output limit a turn started with. */
  beginTurn(turnId: string, kernel: string, outputLimit: number): void {
    this._kernels.set(turnId, kernel);
    this._outputLimits.set(turnId, outputLimit);
  }

  /** Answer the frame when it is an `execute_request` or a `notebook_request`. */
  handle(frame: ServerFrame): void {
    if (frame.type === 'execute_request') {
      void this._answer(frame.turnId, () => this._execute(frame));
    }
    if (frame.type === 'notebook_request') {
      void this._answer(frame.turnId, () => this._act(frame));
    }
  }

  /** Answer a cell waiting for Run or Skip (auto-run off). */
  approve(turnId: string, choice: ApprovalChoice): boolean {
    return this._approvals.answer(turnId, choice);
  }

  /** End a turn's waits for Run / Skip and for review. */
  cancel(turnId: string): void {
    this._approvals.cancel(turnId);
    this.reviews.cancel(turnId);
  }

  /** Forget a turn that ended (its waits end too). */
  forget(turnId: string): void {
    this.cancel(turnId);
    this._outputLimits.delete(turnId);
    this._kernels.delete(turnId);
  }

  /** Send the answer to a request of a running turn (the server abandons ended ones). */
  private async _answer(
    turnId: string,
    make: () => Promise<ClientFrame>
  ): Promise<void> {
    const reply = await make();
    if (this._store.runningTurns().includes(turnId)) {
      this._send(reply);
    }
  }

  private async _execute(frame: IExecuteRequestFrame): Promise<ClientFrame> {
    const { turnId, requestId, step } = frame;
    try {
      const result = await this._executor.execute(turnId, frame.code, {
        outputLimit: this._turnOutputLimit(turnId),
        replaceCellId: frame.replaceCellId ?? null,
        cellId: frame.cellId ?? null,
        onInserted: (cellId, cellIndex) =>
          this._store.setStepCell(turnId, step, cellId, cellIndex),
        // Auto-run off: the cell is inserted, then waits for Run or Skip.
        ...(this._settings().autoRun === false
          ? {
              approve: (cellId: string, cellIndex: number) =>
                this._approvals.request(turnId, step, cellId, cellIndex)
            }
          : {})
      });
      this._noteMissingGlyphs(turnId, result.outputs);
      return { type: 'execute_result', requestId, result };
    } catch (reason) {
      return { type: 'execute_result', requestId, error: errorMessage(reason) };
    }
  }

  /** Act on existing cells; changes asked for review wait for the user. */
  private async _act(frame: INotebookActionFrame): Promise<ClientFrame> {
    const { turnId, requestId, step } = frame;
    try {
      const result = await this._executor.act(turnId, frame, {
        outputLimit: this._turnOutputLimit(turnId),
        review: change => this.reviews.request(turnId, step, change)
      });
      return { type: 'notebook_result', requestId, result };
    } catch (reason) {
      return {
        type: 'notebook_result',
        requestId,
        error: errorMessage(reason)
      };
    }
  }

  private _turnOutputLimit(turnId: string): number {
    return (
      this._outputLimits.get(turnId) ??
      outputLimitOf(this._settings(), this._store.status.status)
    );
  }

  /** Say once per kernel that plots show boxes for Chinese text, with the fix. */
  private _noteMissingGlyphs(
    turnId: string,
    outputs: IExecutionResult['outputs']
  ): void {
    const notebook = this._store.notebookOfTurn(turnId);
    const kernel = this._kernels.get(turnId) ?? notebook;
    if (
      notebook === undefined ||
      kernel === undefined ||
      this._glyphKernels.has(kernel) ||
      !reportsMissingCjkGlyphs(outputs)
    ) {
      return;
    }
    this._glyphKernels.add(kernel);
    this._store.setFontHint(notebook, true);
  }

  private _store: ConversationStore;
  private _executor: INotebookExecutor;
  private _settings: () => ITurnSettings;
  private _send: (frame: ClientFrame) => boolean;
  private _approvals: Approvals;
  private _outputLimits = new Map<string, number>();
  /** The kernel (id) each running turn started with. */
  private _kernels = new Map<string, string>();
  /** Kernels whose missing CJK glyphs the panel already reported. */
  private _glyphKernels = new Set<string>();
}

/** Namespace for `StepRequests` types. */
export namespace StepRequests {
  /** Construction options. */
  export interface IOptions {
    /** Where conversations are kept (steps show their waits there). */
    store: ConversationStore;
    /** Runs code and acts in notebooks. */
    executor: INotebookExecutor;
    /** Current user settings (auto-run, output limit). */
    settings: () => ITurnSettings;
    /** Send a frame; false when not connected. */
    send: (frame: ClientFrame) => boolean;
    /** Translation bundle for messages shown to the user. */
    trans: TranslationBundle;
  }
}
