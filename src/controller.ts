import type { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';

import type { ApprovalChoice } from './approvals';
import { conversationCells } from './conversation';
import { ConversationSync } from './conversationSync';
import type { Reviews } from './notebook/review';
import type { IAttachmentRef } from './files/attachments';
import type { IModelChoice } from './providers/types';
import { ConversationStore } from './store';
import type {
  ClientFrame,
  INotebookContext,
  IServerStatus,
  ITurnFrame,
  ServerFrame
} from './protocol';
import { requestAPI } from './request';
import { ChatSocket, ConnectionStatus } from './socket';
import { attachedCells } from './notebook/attachedCells';
import { INotebookExecutor } from './notebook/tokens';
import { errorMessage } from './errors';
import { StepRequests } from './stepRequests';
import { withTimeout } from './timeout';
import { ITurnSettings, modelFields, outputLimitOf } from './turnSettings';

export type { ITurnSettings } from './turnSettings';

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
    this._requests = new StepRequests({
      store: this.store,
      executor: this._executor,
      settings: this._settings,
      send: frame => this._send(frame),
      trans: this._trans
    });
    this.reviews = this._requests.reviews;
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
    const outputLimit = outputLimitOf(settings, this.store.status.status);
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
    this._requests.beginTurn(
      turnId,
      panel.sessionContext?.session?.kernel?.id ?? notebook,
      outputLimit
    );
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
      ...modelFields(
        this._modelFor?.(notebook, settings.defaultModel ?? '') ?? null,
        settings
      ),
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
    this._requests.cancel(turn.turnId);
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
    return this._requests.approve(turnId, choice);
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
    this._requests.handle(frame);
    if (frame.type === 'turn_finished' && frame.toolModeLearned) {
      void this.refreshStatus(); // the picker marks the model
    }
    const turnId = 'turnId' in frame ? frame.turnId : null;
    if (turnId && !this.store.runningTurns().includes(turnId)) {
      this._forget(turnId);
    }
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
    this._requests.forget(turnId);
    this._executor.endTurn(turnId);
    this._sentTurns.delete(turnId);
  }

  private _socket: ChatSocket;
  private _executor: INotebookExecutor;
  /** Current user settings (the model picker shows the `defaultModel` one). */
  get turnSettings(): ITurnSettings {
    return this._settings();
  }

  private _settings: () => ITurnSettings;
  private _modelFor:
    ((notebook: string, settingModel: string) => IModelChoice | null) | null;
  private _trans: TranslationBundle;
  private _fetchStatus: () => Promise<IServerStatus>;
  /** Answers the notebook requests of running turns. */
  private _requests: StepRequests;
  private _sentTurns = new Set<string>();
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
