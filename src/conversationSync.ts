/**
 * The stored conversations of notebooks, kept in step with the server:
 * history of the shown notebook (again on reconnect and rename), the list,
 * new/open/delete, and undo with the removal of the undone turn's cells.
 */

import type { TranslationBundle } from '@jupyterlab/translation';

import type { ClientFrame, IRestoreCell, ServerFrame } from './protocol';
import type { ConversationStore } from './store';
import type { INotebookExecutor } from './notebook/tokens';
import { errorMessage } from './errors';

/** How often a turn running in another tab is looked at again, in ms. */
const REMOTE_TURN_POLL = 3000;

/** Requests and replies about stored conversations. */
export class ConversationSync {
  /** Create the sync; `send` returns false when the socket is not connected. */
  constructor(options: ConversationSync.IOptions) {
    this._store = options.store;
    this._send = options.send;
    this._executor = options.executor;
    this._trans = options.trans;
  }

  /** The notebook the panel shows: its stored conversation is fetched (again on reconnect). */
  showNotebook(notebook: string | null): void {
    this._shown = notebook;
    if (notebook !== null) {
      this.requestHistory(notebook);
    }
  }

  /** Keep a renamed notebook's conversation and fetch it under its new path. */
  notebookRenamed(from: string, to: string): void {
    this._store.rename(from, to);
    if (this._shown === from) {
      this._shown = to;
    }
    this.requestHistory(to);
  }

  /** The connection (re)opened: fetch the shown notebook's conversation. */
  connected(): void {
    if (this._shown !== null) {
      this.requestHistory(this._shown);
    }
  }

  /** Ask for a notebook's current conversation (no-op while disconnected). */
  requestHistory(notebook: string): void {
    this._send({ type: 'history', notebook });
  }

  /** Ask for the list of a notebook's stored conversations. */
  list(notebook: string): void {
    this._send({ type: 'conversations', notebook });
  }

  /** Make a stored conversation the notebook's current one and show it. */
  open(notebook: string, conversationId: string): void {
    if (!this._store.isBusy(notebook)) {
      this._send({ type: 'open_conversation', notebook, conversationId });
    }
  }

  /** Delete a stored conversation; the server answers with the new list. */
  delete(notebook: string, conversationId: string): void {
    if (!this._store.isBusy(notebook)) {
      this._send({ type: 'delete_conversation', notebook, conversationId });
    }
  }

  /** Undo the last finished turn: its cells leave the notebook once the server agrees. */
  undo(notebook: string, turnId: string): boolean {
    if (this._store.isBusy(notebook)) {
      return false;
    }
    return this._send({ type: 'undo', notebook, turnId });
  }

  /** Handle a frame about stored conversations; false for any other frame. */
  handle(frame: ServerFrame): boolean {
    switch (frame.type) {
      case 'history':
        this._store.loadHistory(frame);
        this._pollRemoteTurn(frame.notebook);
        return true;
      case 'conversations': {
        const shown = this._store.get(frame.notebook).conversationId;
        this._store.setConversations(frame);
        if (shown && shown !== frame.currentId) {
          // The shown conversation was deleted: show the one now current.
          this.requestHistory(frame.notebook);
        }
        return true;
      }
      case 'undone':
        this._undoCells(
          frame.notebook,
          frame.removeCellIds ?? [],
          frame.restoreCells ?? []
        );
        this._store.removeTurn(frame.notebook, frame.turnId);
        // The turn before may be undoable now: the server's history says.
        this.requestHistory(frame.notebook);
        return true;
      default:
        return false;
    }
  }

  /** Stop polling. */
  dispose(): void {
    clearTimeout(this._pollTimer);
  }

  /** Remove the undone turn's cells and restore those it edited or deleted. */
  private _undoCells(
    notebook: string,
    cellIds: readonly string[],
    restore: readonly IRestoreCell[]
  ): void {
    try {
      this._executor.undoCells(notebook, cellIds, restore);
    } catch (reason) {
      const detail = errorMessage(reason);
      this._store.setGlobalError(
        this._trans.__(
          'The cells of the undone turn could not be removed: %1',
          detail
        )
      );
    }
  }

  /** A turn of the shown notebook runs in another tab: look again soon. */
  private _pollRemoteTurn(notebook: string): void {
    clearTimeout(this._pollTimer);
    if (notebook === this._shown && this._store.get(notebook).turn?.remote) {
      this._pollTimer = setTimeout(
        () => this._shown !== null && this.requestHistory(this._shown),
        REMOTE_TURN_POLL
      );
    }
  }

  private _store: ConversationStore;
  private _send: (frame: ClientFrame) => boolean;
  private _executor: INotebookExecutor;
  private _trans: TranslationBundle;
  private _shown: string | null = null;
  private _pollTimer: ReturnType<typeof setTimeout> | undefined = undefined;
}

/** Namespace for `ConversationSync` types. */
export namespace ConversationSync {
  /** Construction options. */
  export interface IOptions {
    /** Where conversations are kept. */
    store: ConversationStore;
    /** Send a frame; false when not connected. */
    send: (frame: ClientFrame) => boolean;
    /** Removes the cells of undone turns. */
    executor: INotebookExecutor;
    /** Translation bundle for messages shown to the user. */
    trans: TranslationBundle;
  }
}
