/**
 * Wire frames of a notebook's stored conversations: reset, list, open,
 * delete and Undo of the last turn (see docs/protocol.md).
 */

import type { IRestoreCell } from './notebookActions';

/** Client → server: forget a notebook's conversation. */
export interface IResetFrame {
  type: 'reset';
  notebook: string;
}

/** Client → server: frames naming only a notebook. */
export interface INotebookRequestFrame {
  type: 'history' | 'conversations' | 'new_conversation';
  notebook: string;
}

/** Client → server: open or delete one of a notebook's conversations. */
export interface IConversationRequestFrame {
  type: 'open_conversation' | 'delete_conversation';
  notebook: string;
  conversationId: string;
}

/** Client → server: undo the last finished turn of the current conversation. */
export interface IUndoFrame {
  type: 'undo';
  notebook: string;
  turnId: string;
}

/** One stored conversation of a notebook. */
export interface IConversationSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  turns: number;
}

/** Server → client: a notebook's conversations, newest first. */
export interface IConversationsFrame {
  type: 'conversations';
  notebook: string;
  currentId: string;
  items: IConversationSummary[];
}

/** Server → client: a turn was undone; delete these cells, restore those. */
export interface IUndoneFrame {
  type: 'undone';
  notebook: string;
  turnId: string;
  removeCellIds: string[];
  /** Edited and deleted cells to restore, newest change first. */
  restoreCells?: IRestoreCell[];
}
