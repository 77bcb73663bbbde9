/**
 * Every frame exchanged over `/code-interp/chat` (see docs/protocol.md, which
 * is authoritative): the unions of client and server frames, the history
 * frame that replays stored turns, and the parser of incoming messages.
 */

import type { ITurnUsage } from '../providers/types';
import type {
  IConversationRequestFrame,
  IConversationsFrame,
  INotebookRequestFrame,
  IResetFrame,
  IUndoFrame,
  IUndoneFrame
} from './conversations';
import type { IFilesFrame } from './files';
import type {
  INotebookActionFrame,
  INotebookResultFrame
} from './notebookActions';
import type {
  IErrorFrame,
  IExecuteRequestFrame,
  IExecuteResultFrame,
  IPlanFrame,
  IQuestionFrame,
  IReasoningFrame,
  IStepFinishedFrame,
  IStepStartedFrame,
  IStopFrame,
  ITextFrame,
  ITurnFinishedFrame,
  ITurnFrame,
  ITurnStartedFrame,
  TurnEndReason
} from './turns';

/** A finished or running turn as stored on the server. */
export interface ITurnRecord {
  turnId: string;
  instruction: string;
  attachments: string[];
  provider: string | null;
  model: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Server frames of the turn (no execute_request; text deltas merged). */
  events: ServerFrame[];
  reason: TurnEndReason | null;
  message: string | null;
  usage: ITurnUsage | null;
  undoable: boolean;
}

/** Server → client: a notebook's current conversation. */
export interface IHistoryFrame {
  type: 'history';
  notebook: string;
  conversationId: string;
  title: string;
  turns: ITurnRecord[];
  runningTurnId: string | null;
}

/** Any frame the client sends. */
export type ClientFrame =
  | ITurnFrame
  | IExecuteResultFrame
  | INotebookResultFrame
  | IStopFrame
  | IResetFrame
  | INotebookRequestFrame
  | IConversationRequestFrame
  | IUndoFrame;

/** Any frame the server sends. */
export type ServerFrame =
  | ITurnStartedFrame
  | ITextFrame
  | IReasoningFrame
  | IStepStartedFrame
  | IExecuteRequestFrame
  | INotebookActionFrame
  | IStepFinishedFrame
  | IFilesFrame
  | ITurnFinishedFrame
  | IErrorFrame
  | IHistoryFrame
  | IConversationsFrame
  | IUndoneFrame
  | IPlanFrame
  | IQuestionFrame;

const SERVER_FRAME_TYPES = new Set([
  'turn_started',
  'text',
  'reasoning',
  'step_started',
  'execute_request',
  'notebook_request',
  'step_finished',
  'files',
  'turn_finished',
  'error',
  'history',
  'conversations',
  'undone',
  'plan',
  'question'
]);

/** Parse one incoming message; `null` when it is not a known server frame. */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !SERVER_FRAME_TYPES.has((value as { type?: unknown }).type as string)
  ) {
    return null;
  }
  return value as ServerFrame;
}
