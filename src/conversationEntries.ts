/**
 * What a notebook's conversation holds: the entries the panel shows (the
 * user's instructions, answers, reasoning, steps, notices, errors, files and
 * the agent's entries) and the running turn. Types only; `conversation.ts`
 * builds them from server frames.
 */

import type { AgentEntry } from './agentEntries';
import type { IAttachmentRef } from './files/attachments';
import type {
  IAttachedCellRef,
  IFileCard,
  IStepStartedFrame,
  StepStatus,
  TurnEndReason
} from './protocol';
import type { ITurnUsage } from './providers/types';

/** Status of a step as the panel shows it. */
export type StepViewStatus = 'running' | StepStatus;

/** The user's instruction. */
export interface IUserEntry {
  kind: 'user';
  id: string;
  turnId: string;
  text: string;
  /** Files attached to the instruction. */
  attachments?: readonly IAttachmentRef[];
  /** Notebook cells attached to the instruction. */
  cells?: readonly IAttachedCellRef[];
}

/** A run of the model's markdown answer. */
export interface IAssistantEntry {
  kind: 'assistant';
  id: string;
  turnId: string;
  text: string;
}

/** The model's reasoning before an answer or a step: shown collapsed, never run. */
export interface IReasoningEntry {
  kind: 'reasoning';
  id: string;
  turnId: string;
  text: string;
  /** How long the model thought, once it answered (null while it thinks or if cut). */
  seconds: number | null;
  /** Still streaming. */
  open: boolean;
}

/** One code cell the turn inserted and ran. */
export interface IStepEntry {
  kind: 'step';
  id: string;
  turnId: string;
  step: number;
  code: string;
  status: StepViewStatus;
  ename: string | null;
  evalue: string | null;
  executionCount: number | null;
  cellId: string | null;
  cellIndex: number | null;
  /** Set when the step is an automatic fix attempt. */
  attempt?: { number: number; of: number } | null;
  /** The cell (of this turn) whose code this step replaced and re-ran. */
  replaces?: string | null;
  /** A later step of the turn replaced this step's code in the same cell. */
  superseded?: boolean;
  /** Thumbnails of the step's images (base64). */
  images?: ReadonlyArray<{ mime: string; data: string }>;
  /** The user chose Skip: the cell was not run. */
  skipped?: boolean;
  /** Auto-run is off and the cell waits for Run or Skip. */
  awaiting?: boolean;
  /** What the step does to the notebook (absent: runs new code). */
  action?: IStepStartedFrame['action'];
  /** The cells a `run` step runs. */
  cellIds?: readonly string[] | null;
  /** The change shown for review (live only; never replayed). */
  review?: IStepReview;
  /** The user rejected the step's change. */
  rejected?: boolean;
}

/** A change to a cell shown for the user's Accept or Reject. */
export interface IStepReview {
  /** A new source for the cell, or its deletion. */
  kind: 'edit' | 'delete';
  /** The cell's type (code, markdown, raw). */
  cellType: string;
  /** The cell's source now, and as the change would make it ('' for a deletion). */
  before: string;
  after: string;
  /** The kernel's language, for highlighting. */
  language: string;
  /** Waiting, decided, or ended unapplied with the turn. */
  state: 'pending' | 'accepted' | 'rejected' | 'cancelled';
  /** What the user typed with Reject. */
  comment?: string;
}

/** How a turn ended. */
export interface INoticeEntry {
  kind: 'notice';
  id: string;
  turnId: string;
  reason: TurnEndReason;
  message: string | null;
  /** Tokens (and cost) the turn used, when the server reported them. */
  usage?: ITurnUsage | null;
}

/** An error the server reported during a turn. */
export interface IErrorEntry {
  kind: 'error';
  id: string;
  turnId: string;
  message: string;
}

/** Files a step produced (`step` null: files the answer pointed at). */
export interface IFilesEntry {
  kind: 'files';
  id: string;
  turnId: string;
  step: number | null;
  files: readonly IFileCard[];
}

/** Anything shown in a conversation. */
export type ConversationEntry =
  | IUserEntry
  | IAssistantEntry
  | IReasoningEntry
  | IStepEntry
  | INoticeEntry
  | IErrorEntry
  | IFilesEntry
  | AgentEntry;

/** The turn that runs in a conversation. */
export interface IRunningTurn {
  turnId: string;
  started: boolean;
  model: string | null;
  /** The turn runs on another connection (another tab): no frames come here. */
  remote?: boolean;
}

/** One notebook's conversation (immutable; every change makes a new one). */
export interface IConversation {
  notebook: string;
  entries: readonly ConversationEntry[];
  turn: IRunningTurn | null;
  /** The server's id of this conversation, once its history arrived. */
  conversationId?: string | null;
  /** The turn that Undo can take back (the last finished one), if any. */
  undoableTurnId?: string | null;
  /** Entries ever added: keeps entry ids unique after merges and removals. */
  seq?: number;
}
