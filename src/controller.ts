import type { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';

import { ApprovalChoice, Approvals } from './approvals';
import { conversationCells } from './conversation';
import { ConversationSync } from './conversationSync';
import { Reviews } from './notebook/review';
import type { IAttachmentRef } from './files/attachments';
import type { IModelChoice } from './providers/types';
import { ConversationStore } from './store';
import {
  ClientFrame,
  IExecuteRequestFrame,
  IExecutionResult,
  INotebookActionFrame,
  INotebookContext,
  IServerStatus,
  ITurnFrame,
  ServerFrame
} from './protocol';
import { requestAPI } from './request';
import { ChatSocket, ConnectionStatus } from './socket';
import { attachedCells } from './notebook/attachedCells';
import { reportsMissingCjkGlyphs } from './notebook/glyphs';
import { INotebookExecutor } from './notebook/tokens';
import { errorMessage } from './errors';
import { withTimeout } from './timeout';

/** The `kernelId` field of a turn frame: the notebook's kernel, when it has one. */
function kernelField(panel: NotebookPanel): { kernelId?: string } {
  const id = panel.sessionContext?.session?.kernel?.id;
  return id ? { kernelId: id } : {};
}

/** How long a new turn waits for the connection, in ms. */
const CONNECT_TIMEOUT = 5000;

/** How long a new turn waits for the notebook context, in ms. */
const CONTEXT_TIMEOUT = 4000;

/**
 * User settings sent with each turn (schema/panel.json); a limit that is
 * absent (the settings are not read yet) is left to the server's configuration.
 */
export interface ITurnSettings {
  /** Code cells one turn may run. */
  maxSteps?: number;
  /** Characters of a cell's text output sent to the model per step. */
  outputLimit?: number;
  /** The model id to use ('' or absent: the server's default). */
  defaultModel?: string;
  /** Run the model's code at once (false: ask the user first). */
  autoRun?: boolean;
  /** Automatic fix attempts per failure. */
  maxFixAttempts?: number;
  /** Ask once for computed figures when a turn about files ends without code. */
  computeFigures?: boolean;
  /** Apply the model's edits of cells without review (deletions are still reviewed). */
  trustEdits?: boolean;
}

/**
 * Ties the socket, the conversation store and the notebook executor
 * together: starts turns, answers `execute_request`s, stops and resets.
 */
export class CodeInterpreterController {
  /** Create a controller; it listens to the socket at once. */
  constructor(options: CodeInterpreterController.IOptions) {
    this.store = options.store;
    this._socket = options.socket;
    this._executor = options.executor;
    this._settings = options.settings ?? (() => ({}));
    this._modelFor = options.modelFor ?? null;
    this._trans = options.trans ?? nullTranslator.load('jupyter_code_interp');
    const serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    // The setup card's problem comes in the panel's language.
    const statusQuery = options.locale
      ? `status?locale=${encodeURIComponent(options.locale)}`
      : 'status';
    this._fetchStatus =
      options.fetchStatus ??
      (() => requestAPI<IServerStatus>(statusQuery, serverSettings));
    this._approvals = new Approvals(this.store);
    this.reviews = new Reviews(this.store, this._trans);
    this.conversations = new ConversationSync({
      store: this.store,
      send: frame => this._send(frame),
      executor: this._executor,
      trans: this._trans
    });
    this._socket.messageReceived.connect(this._onFrame, this);
    this._socket.connectionStatusChanged.connect(this._onConnection, this);
    this.store.setConnection(this._socket.connectionStatus);
  }

  /** The conversations the panel shows. */
  readonly store: ConversationStore;

  /** Stored conversations: history, list, open, delete, undo. */
  readonly conversations: ConversationSync;

  /** Changes to cells that wait for the user's Accept or Reject. */
  readonly reviews: Reviews;

  /** Open the chat connection (no-op when already open). */
  connect(): void {
    this._socket.connect();
  }

  /** Fetch the server's readiness into the store. */
  async refreshStatus(): Promise<void> {
    this.store.setStatus({ ...this.store.status, loading: true });
    try {
      const status = await this._fetchStatus();
      this.store.setStatus({ loading: false, status, fetchError: null });
      if (status.ready) {
        this.connect();
      }
    } catch (reason) {
      const detail = errorMessage(reason);
      this.store.setStatus({
        loading: false,
        status: null,
        fetchError: this._trans.__(
          'The jupyter_code_interp server extension did not answer (%1). Check that it is installed and enabled, then retry.',
          detail
        )
      });
    }
  }

  /** Start a turn in the panel's notebook; returns its id, or null if busy. */
  startTurn(
    panel: NotebookPanel,
    instruction: string,
    attachments: readonly IAttachmentRef[] = [],
    cellIds: readonly string[] = []
  ): string | null {
    const notebook = panel.context.path;
    const text = instruction.trim();
    if (!text || this.store.isBusy(notebook)) {
      return null;
    }
    const settings = this._settings();
    const turnId = UUID.uuid4();
    // Cells go after the last cell this conversation wrote (the executor decides).
    const written = conversationCells(this.store.get(notebook));
    const outputLimit = this._outputLimit(settings);
    // The cells as they are now (source, outputs), errors with their whole traceback.
    const cells = attachedCells(panel.content?.model, cellIds, outputLimit);
    this.store.startTurn(
      notebook,
      turnId,
      text,
      attachments,
      cells.map(({ id, index }) => ({ id, index }))
    );
    this._executor.beginTurn(turnId, panel, { written });
    this._kernels.set(
      turnId,
      panel.sessionContext?.session?.kernel?.id ?? notebook
    );
    this._outputLimits.set(turnId, outputLimit);
    // Absent limits are left out of the JSON: the server applies its own.
    const frame: ITurnFrame = {
      type: 'turn',
      turnId,
      notebook,
      instruction: text,
      maxSteps: settings.maxSteps,
      outputLimit: settings.outputLimit,
      maxFixAttempts: settings.maxFixAttempts,
      computeFigures: settings.computeFigures,
      trustEdits: settings.trustEdits,
      ...this._modelFields(notebook, settings),
      ...(attachments.length
        ? { attachments: attachments.map(file => file.path) }
        : {}),
      ...(cells.length ? { attachedCells: cells } : {})
    };
    this._unsentTurns.add(turnId);
    void this._gatherContext(panel, outputLimit)
      .then(context =>
        this._sendWhenConnected({
          ...frame,
          ...(context ? { context } : {}),
          // The server interrupts this kernel if the page goes away mid-cell.
          ...kernelField(panel)
        })
      )
      .then(sent => {
        if (!sent) {
          this._endLocally(
            turnId,
            this._trans.__(
              'Not connected to the server. Try again in a moment.'
            )
          );
        }
      });
    return turnId;
  }

  /**
   * Send a finished turn's instruction again, with its files and cells (Retry
   * after a provider error); returns the new turn's id, or null.
   */
  retry(panel: NotebookPanel, turnId: string): string | null {
    const user = this.store
      .get(panel.context.path)
      .entries.find(e => e.kind === 'user' && e.turnId === turnId);
    if (!user || user.kind !== 'user') {
      return null;
    }
    return this.startTurn(
      panel,
      user.text,
      user.attachments ?? [],
      (user.cells ?? []).map(cell => cell.id)
    );
  }

  /** Get a notebook's kernel ready for its first turn (in the background). */
  prepare(panel: NotebookPanel): void {
    this._executor.prepare?.(panel);
  }

  /** Stop the running turn of a notebook. */
  stop(notebook: string): void {
    const turn = this.store.get(notebook).turn;
    if (!turn || turn.remote) {
      return; // a turn of another tab is stopped there
    }
    if (this._unsentTurns.delete(turn.turnId)) {
      // The server never heard of it (context or connection still awaited).
      this.store.endTurn(turn.turnId, 'stopped', '');
      this._forget(turn.turnId);
      return;
    }
    this._approvals.cancel(turn.turnId);
    this.reviews.cancel(turn.turnId);
    void this._executor.interrupt(turn.turnId).catch(() => undefined);
    if (!this._send({ type: 'stop', turnId: turn.turnId })) {
      this.store.endTurn(turn.turnId, 'stopped', '');
      this._forget(turn.turnId);
    }
  }

  /** Start a new conversation for a notebook (the old one stays stored). */
  reset(notebook: string): void {
    if (this.store.isBusy(notebook)) {
      return;
    }
    if (!this._send({ type: 'new_conversation', notebook })) {
      this.store.setGlobalError(
        this._trans.__(
          'Not connected to the server: the conversation was not reset.'
        )
      );
      return;
    }
    this.store.clear(notebook);
  }

  /** Answer a cell waiting for Run or Skip (auto-run off). */
  approve(turnId: string, choice: ApprovalChoice): boolean {
    return this._approvals.answer(turnId, choice);
  }

  /** Detach from the socket. */
  dispose(): void {
    this.conversations.dispose();
    this._socket.messageReceived.disconnect(this._onFrame, this);
    this._socket.connectionStatusChanged.disconnect(this._onConnection, this);
  }

  private _send(frame: ClientFrame): boolean {
    try {
      this._socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  /** The notebook context, or null when it takes too long (the turn goes without). */
  private async _gatherContext(
    panel: NotebookPanel,
    outputLimit: number
  ): Promise<INotebookContext | null> {
    try {
      return await withTimeout(
        this._executor.notebookContext(panel, { outputLimit }),
        CONTEXT_TIMEOUT,
        null
      );
    } catch {
      return null; // a turn never fails for want of context
    }
  }

  private async _sendWhenConnected(frame: ITurnFrame): Promise<boolean> {
    if (!this.store.runningTurns().includes(frame.turnId)) {
      return true; // stopped while the context was gathered
    }
    if (this._socket.connectionStatus !== 'connected') {
      this._socket.connect();
      await withTimeout(this._socket.ready, CONNECT_TIMEOUT, undefined);
      if (!this.store.runningTurns().includes(frame.turnId)) {
        return true; // stopped while waiting
      }
    }
    this._unsentTurns.delete(frame.turnId);
    const sent = this._send(frame);
    if (sent) {
      this._sentTurns.add(frame.turnId);
    }
    return sent;
  }

  private _onFrame(_: ChatSocket, frame: ServerFrame): void {
    if (this.conversations.handle(frame)) {
      return;
    }
    this.store.apply(frame);
    if (frame.type === 'execute_request') {
      void this._answer(frame.turnId, () => this._execute(frame));
    }
    if (frame.type === 'notebook_request') {
      void this._answer(frame.turnId, () => this._act(frame));
    }
    if (frame.type === 'turn_finished' && frame.toolModeLearned) {
      void this.refreshStatus(); // the picker marks the model
    }
    const turnId = 'turnId' in frame ? frame.turnId : null;
    if (turnId && !this.store.runningTurns().includes(turnId)) {
      this._forget(turnId);
    }
  }

  /** Send the answer to a request of a running turn (the server abandons ended ones). */
  private async _answer(
    turnId: string,
    make: () => Promise<ClientFrame>
  ): Promise<void> {
    const reply = await make();
    if (this.store.runningTurns().includes(turnId)) {
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
          this.store.setStepCell(turnId, step, cellId, cellIndex),
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
      this._outputLimits.get(turnId) ?? this._outputLimit(this._settings())
    );
  }

  /** Say once per kernel that plots show boxes for Chinese text, with the fix. */
  private _noteMissingGlyphs(
    turnId: string,
    outputs: IExecutionResult['outputs']
  ): void {
    const notebook = this.store.notebookOfTurn(turnId);
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
    this.store.setFontHint(notebook, true);
  }

  private _onConnection(_: ChatSocket, status: ConnectionStatus): void {
    this.store.setConnection(status);
    if (status === 'connected') {
      this.conversations.connected();
    }
    if (status !== 'disconnected') {
      return;
    }
    // Turns the server knew die with the connection; unsent ones still wait.
    for (const turnId of this.store.runningTurns()) {
      if (!this._sentTurns.has(turnId)) {
        continue;
      }
      this._endLocally(
        turnId,
        this._trans.__('The connection to the server was lost.')
      );
    }
  }

  private _endLocally(turnId: string, message: string): void {
    this.store.endTurn(turnId, 'error', message);
    this._forget(turnId);
  }

  private _forget(turnId: string): void {
    this._approvals.cancel(turnId);
    this.reviews.cancel(turnId);
    this._executor.endTurn(turnId);
    this._outputLimits.delete(turnId);
    this._sentTurns.delete(turnId);
    this._kernels.delete(turnId);
  }

  /**
   * Characters of output kept here per step: the setting, else the server's
   * configured limit; when neither is known nothing is cut here (the server cuts).
   */
  private _outputLimit(settings: ITurnSettings): number {
    return (
      settings.outputLimit ?? this.store.status.status?.outputLimit ?? Infinity
    );
  }

  private _socket: ChatSocket;
  private _executor: INotebookExecutor;
  /** The model fields of a turn frame: the picker's choice, else the setting. */
  private _modelFields(
    notebook: string,
    settings: ITurnSettings
  ): { provider?: string; model?: string } {
    const choice =
      this._modelFor?.(notebook, settings.defaultModel ?? '') ?? null;
    if (choice) {
      return { provider: choice.provider, model: choice.model };
    }
    return settings.defaultModel ? { model: settings.defaultModel } : {};
  }

  /** Current user settings (the model picker shows the `defaultModel` one). */
  get turnSettings(): ITurnSettings {
    return this._settings();
  }

  private _settings: () => ITurnSettings;
  private _modelFor:
    ((notebook: string, settingModel: string) => IModelChoice | null) | null;
  private _trans: TranslationBundle;
  private _fetchStatus: () => Promise<IServerStatus>;
  private _outputLimits = new Map<string, number>();
  private _approvals: Approvals;
  private _sentTurns = new Set<string>();
  /** The kernel (id) each running turn started with. */
  private _kernels = new Map<string, string>();
  /** Kernels whose missing CJK glyphs the panel already reported. */
  private _glyphKernels = new Set<string>();
  /** Turns started here whose `turn` frame is not sent yet. */
  private _unsentTurns = new Set<string>();
}

/** Namespace for `CodeInterpreterController` types. */
export namespace CodeInterpreterController {
  /** Construction options. */
  export interface IOptions {
    /** The chat socket. */
    socket: ChatSocket;
    /** Where conversations are kept. */
    store: ConversationStore;
    /** Runs code in notebooks. */
    executor: INotebookExecutor;
    /** Current user settings. */
    settings?: () => ITurnSettings;
    /** Translation bundle for messages shown to the user. */
    trans?: TranslationBundle;
    /** Server settings for the status request. */
    serverSettings?: ServerConnection.ISettings;
    /** Fetch the server status (defaults to `GET code-interp/status`). */
    fetchStatus?: () => Promise<IServerStatus>;
    /** The model a turn in a notebook runs with (absent: the `defaultModel` setting). */
    modelFor?: (notebook: string, settingModel: string) => IModelChoice | null;
    /** The panel's language (e.g. `zh-CN`): the server's status problem comes in it. */
    locale?: string;
  }
}
