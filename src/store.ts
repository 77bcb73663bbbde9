/**
 * The panel's state: conversations by notebook path, server readiness and
 * connection. Plain TypeScript, no DOM.
 */

import { ISignal, Signal } from '@lumino/signaling';

import type { IAttachmentRef } from './files/attachments';
import { replayHistory } from './history';
import {
  applyFrame,
  beginTurn,
  emptyConversation,
  finishTurn,
  IConversation,
  removeTurn,
  setStepAwaiting,
  setStepCell
} from './conversation';
import {
  IAttachedCellRef,
  IConversationsFrame,
  IHistoryFrame,
  IServerStatus,
  ServerFrame,
  TurnEndReason
} from './protocol';
import type { ConnectionStatus } from './socket';

/** What the panel knows of the server's readiness. */
export interface IStatusState {
  loading: boolean;
  status: IServerStatus | null;
  /** Set when the status could not be fetched at all. */
  fetchError: string | null;
}

/**
 * All conversations of the panel, keyed by notebook path, plus server and
 * connection state. Emits `changed` after every change.
 */
export class ConversationStore {
  /** Emitted after any change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The conversation of a notebook (empty if none). */
  get(notebook: string): IConversation {
    return this._conversations.get(notebook) ?? emptyConversation(notebook);
  }

  /** Whether a turn runs in the notebook's conversation. */
  isBusy(notebook: string): boolean {
    return this.get(notebook).turn !== null;
  }

  /** Notebook path a turn belongs to. */
  notebookOfTurn(turnId: string): string | undefined {
    return this._turns.get(turnId);
  }

  /** Ids of all turns that have not finished. */
  runningTurns(): string[] {
    const ids: string[] = [];
    for (const conv of this._conversations.values()) {
      if (conv.turn) {
        ids.push(conv.turn.turnId);
      }
    }
    return ids;
  }

  /** Record the user's instruction (its files and cells) and the pending turn. */
  startTurn(
    notebook: string,
    turnId: string,
    instruction: string,
    attachments: readonly IAttachmentRef[] = [],
    cells: readonly IAttachedCellRef[] = []
  ): void {
    this._turns.set(turnId, notebook);
    this._set(
      notebook,
      beginTurn(this.get(notebook), turnId, instruction, attachments, cells)
    );
  }

  /** Apply a server frame to the conversation its turn belongs to. */
  apply(frame: ServerFrame): void {
    const turnId = 'turnId' in frame ? frame.turnId : null;
    const notebook = turnId ? this._turns.get(turnId) : undefined;
    if (notebook === undefined) {
      if (frame.type === 'error') {
        this._globalError = frame.message;
        this._changed.emit();
      }
      return;
    }
    this._set(notebook, applyFrame(this.get(notebook), frame));
  }

  /** End a turn locally (e.g. the connection was lost). */
  endTurn(turnId: string, reason: TurnEndReason, message: string): void {
    const notebook = this._turns.get(turnId);
    if (notebook !== undefined && this.get(notebook).turn?.turnId === turnId) {
      this._set(
        notebook,
        finishTurn(this.get(notebook), turnId, reason, message)
      );
    }
  }

  /** Record the notebook cell a step inserted. */
  setStepCell(
    turnId: string,
    step: number,
    cellId: string,
    cellIndex: number
  ): void {
    this.updateConversationOfTurn(turnId, conv =>
      setStepCell(conv, turnId, step, cellId, cellIndex)
    );
  }

  /** Mark a step as waiting (or no longer waiting) for Run or Skip. */
  setStepAwaiting(
    turnId: string,
    step: number,
    awaiting: boolean,
    skipped = false
  ): void {
    this.updateConversationOfTurn(turnId, conv =>
      setStepAwaiting(conv, turnId, step, awaiting, skipped)
    );
  }

  /**
   * Rebuild a notebook's conversation from its stored history; a turn that
   * runs live here keeps its live entries.
   */
  loadHistory(frame: IHistoryFrame): void {
    const current = this.get(frame.notebook);
    const live = current.turn;
    const liveTurnId =
      live && !live.remote && this._turns.get(live.turnId) === frame.notebook
        ? live.turnId
        : null;
    for (const [turnId, path] of this._turns) {
      if (path === frame.notebook && turnId !== liveTurnId) {
        this._turns.delete(turnId);
      }
    }
    this._set(frame.notebook, replayHistory(current, frame, liveTurnId));
  }

  /** Remove an undone turn from its notebook's conversation. */
  removeTurn(notebook: string, turnId: string): void {
    this._turns.delete(turnId);
    this._set(notebook, removeTurn(this.get(notebook), turnId));
  }

  /** Keep a notebook's conversation (and its running turns) under its new path. */
  rename(from: string, to: string): void {
    const conv = this._conversations.get(from);
    if (from === to || conv === undefined) {
      return;
    }
    this._conversations.delete(from);
    this._conversations.set(to, { ...conv, notebook: to });
    for (const [turnId, path] of this._turns) {
      if (path === from) {
        this._turns.set(turnId, to);
      }
    }
    const list = this._lists.get(from);
    this._lists.delete(from);
    if (list) {
      this._lists.set(to, { ...list, notebook: to });
    }
    this._changed.emit();
  }

  /** The stored conversations of a notebook, as last listed by the server. */
  conversations(notebook: string): IConversationsFrame | null {
    return this._lists.get(notebook) ?? null;
  }

  /** Replace a notebook's list of stored conversations. */
  setConversations(frame: IConversationsFrame): void {
    this._lists.set(frame.notebook, frame);
    this._changed.emit();
  }

  /** Forget a notebook's conversation. */
  clear(notebook: string): void {
    for (const [turnId, path] of this._turns) {
      if (path === notebook) {
        this._turns.delete(turnId);
      }
    }
    this._conversations.delete(notebook);
    this._changed.emit();
  }

  /** Server readiness as last fetched. */
  get status(): IStatusState {
    return this._status;
  }

  /** Replace the server readiness state. */
  setStatus(status: IStatusState): void {
    this._status = status;
    this._changed.emit();
  }

  /** State of the chat connection. */
  get connection(): ConnectionStatus {
    return this._connection;
  }

  /** Replace the connection state. */
  setConnection(connection: ConnectionStatus): void {
    this._connection = connection;
    this._changed.emit();
  }

  /** An error not tied to a turn, shown until dismissed. */
  get globalError(): string | null {
    return this._globalError;
  }

  /** Set or clear the error not tied to a turn. */
  setGlobalError(message: string | null): void {
    this._globalError = message;
    this._changed.emit();
  }

  /** Whether the notebook's panel shows the missing CJK font hint. */
  fontHint(notebook: string): boolean {
    return this._fontHints.has(notebook);
  }

  /** Show or hide the missing CJK font hint of a notebook. */
  setFontHint(notebook: string, shown: boolean): void {
    if (shown) {
      this._fontHints.add(notebook);
    } else {
      this._fontHints.delete(notebook);
    }
    this._changed.emit();
  }

  /** Change the conversation a known turn belongs to (no-op for an unknown turn). */
  updateConversationOfTurn(
    turnId: string,
    change: (conv: IConversation) => IConversation
  ): void {
    const notebook = this._turns.get(turnId);
    if (notebook !== undefined) {
      this._set(notebook, change(this.get(notebook)));
    }
  }

  private _set(notebook: string, conv: IConversation): void {
    this._conversations.set(notebook, conv);
    this._changed.emit();
  }

  private _conversations = new Map<string, IConversation>();
  private _lists = new Map<string, IConversationsFrame>();
  private _fontHints = new Set<string>();
  private _turns = new Map<string, string>();
  private _status: IStatusState = {
    loading: true,
    status: null,
    fetchError: null
  };
  private _connection: ConnectionStatus = 'disconnected';
  private _globalError: string | null = null;
  private _changed = new Signal<this, void>(this);
}
