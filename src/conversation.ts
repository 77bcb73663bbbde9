/**
 * Conversation state of the panel: one conversation per notebook path, built
 * by applying server frames. Plain TypeScript, no DOM.
 */

import { AgentEntry, applyAgentFrame } from './agentEntries';
import { nextId, push } from './entries';
import type { IAttachmentRef } from './files/attachments';
import {
  IAttachedCellRef,
  IExecuteRequestFrame,
  IFileCard,
  IStepStartedFrame,
  ServerFrame,
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

/** An empty conversation for a notebook. */
export function emptyConversation(notebook: string): IConversation {
  return { notebook, entries: [], turn: null };
}

/** Change a turn's step entry (created, running, when it is not there yet). */
export function updateStep(
  conv: IConversation,
  turnId: string,
  step: number,
  change: (entry: IStepEntry) => IStepEntry,
  code = ''
): IConversation {
  const index = conv.entries.findIndex(
    e => e.kind === 'step' && e.turnId === turnId && e.step === step
  );
  if (index === -1) {
    const entry: IStepEntry = {
      kind: 'step',
      id: nextId(conv, turnId),
      turnId,
      step,
      code,
      status: 'running',
      ename: null,
      evalue: null,
      executionCount: null,
      cellId: null,
      cellIndex: null
    };
    return push(conv, change(entry));
  }
  const entries = conv.entries.slice();
  entries[index] = change(entries[index] as IStepEntry);
  return { ...conv, entries };
}

/** Add the user's instruction and mark a turn as pending. */
export function beginTurn(
  conv: IConversation,
  turnId: string,
  instruction: string,
  attachments: readonly IAttachmentRef[] = [],
  cells: readonly IAttachedCellRef[] = []
): IConversation {
  const withUser = push(conv, {
    kind: 'user',
    id: nextId(conv, turnId),
    turnId,
    text: instruction,
    ...(attachments.length ? { attachments } : {}),
    ...(cells.length ? { cells } : {})
  });
  return { ...withUser, turn: { turnId, started: false, model: null } };
}

/** End a turn: running steps become aborted, a notice is added. */
export function finishTurn(
  conv: IConversation,
  turnId: string,
  reason: TurnEndReason,
  message: string | null = null,
  usage: ITurnUsage | null = null
): IConversation {
  const entries = conv.entries.map(e => {
    if (e.turnId !== turnId) {
      return e;
    }
    if (e.kind === 'step' && e.status === 'running') {
      return { ...e, status: 'aborted' as const, awaiting: false };
    }
    return e.kind === 'reasoning' && e.open ? { ...e, open: false } : e;
  });
  const ended: IConversation = {
    ...conv,
    entries,
    turn: conv.turn?.turnId === turnId ? null : conv.turn
  };
  return push(ended, {
    kind: 'notice',
    id: nextId(ended, turnId),
    turnId,
    reason,
    message,
    usage
  });
}

/** A step begins (or its cell is requested): record code, fix attempt and replaced cell. */
function startStep(
  conv: IConversation,
  frame: IStepStartedFrame | IExecuteRequestFrame
): IConversation {
  const replaces = frame.replaceCellId ?? null;
  const attempt = frame.type === 'step_started' ? frame.attempt : null;
  const acting =
    frame.type === 'step_started' && frame.action && frame.action !== 'run_code'
      ? {
          action: frame.action,
          ...(frame.cellId ? { cellId: frame.cellId } : {}),
          ...(frame.cellIds?.length ? { cellIds: frame.cellIds } : {})
        }
      : {};
  let next = conv;
  if (replaces) {
    // The earlier step's code is gone from its cell: say so on its entry.
    next = {
      ...conv,
      entries: conv.entries.map(e =>
        e.kind === 'step' &&
        e.turnId === frame.turnId &&
        e.step !== frame.step &&
        e.cellId === replaces
          ? { ...e, superseded: true }
          : e
      )
    };
  }
  return updateStep(
    next,
    frame.turnId,
    frame.step,
    e => ({
      ...e,
      code: frame.code || e.code,
      ...(attempt ? { attempt } : {}),
      ...acting,
      ...(replaces ? { replaces, cellId: e.cellId ?? replaces } : {})
    }),
    frame.code
  );
}

/** Mark whether a step waits for the user's Run or Skip (auto-run off). */
export function setStepAwaiting(
  conv: IConversation,
  turnId: string,
  step: number,
  awaiting: boolean,
  skipped = false
): IConversation {
  return updateStep(conv, turnId, step, e => ({
    ...e,
    awaiting,
    ...(skipped ? { skipped: true } : {})
  }));
}

/**
 * The notebook cells a conversation's steps wrote, the most recent first
 * (new cells go after the first of them still in the notebook).
 */
export function conversationCells(conv: IConversation): string[] {
  const ids: string[] = [];
  for (let i = conv.entries.length - 1; i >= 0; i--) {
    const entry = conv.entries[i];
    if (entry.kind === 'step' && entry.cellId && !ids.includes(entry.cellId)) {
      ids.push(entry.cellId);
    }
  }
  return ids;
}

/** Remove a turn's entries (after Undo). */
export function removeTurn(conv: IConversation, turnId: string): IConversation {
  return {
    ...conv,
    seq: conv.seq ?? conv.entries.length,
    entries: conv.entries.filter(e => e.turnId !== turnId),
    undoableTurnId:
      conv.undoableTurnId === turnId ? null : (conv.undoableTurnId ?? null)
  };
}

/** Record where a step's cell was inserted. */
export function setStepCell(
  conv: IConversation,
  turnId: string,
  step: number,
  cellId: string,
  cellIndex: number
): IConversation {
  return updateStep(conv, turnId, step, e => ({ ...e, cellId, cellIndex }));
}

/** Apply one server frame that belongs to this conversation's turn. */
export function applyFrame(
  conv: IConversation,
  frame: ServerFrame
): IConversation {
  switch (frame.type) {
    case 'turn_started':
      if (conv.turn?.turnId !== frame.turnId) {
        return conv;
      }
      return applyAgentFrame(
        {
          ...conv,
          turn: { ...conv.turn, started: true, model: frame.model ?? null }
        },
        frame
      );
    case 'text': {
      const last = conv.entries[conv.entries.length - 1];
      if (last?.kind === 'assistant' && last.turnId === frame.turnId) {
        const entries = conv.entries.slice(0, -1);
        entries.push({ ...last, text: last.text + frame.delta });
        return { ...conv, entries };
      }
      return push(conv, {
        kind: 'assistant',
        id: nextId(conv, frame.turnId),
        turnId: frame.turnId,
        text: frame.delta
      });
    }
    case 'reasoning': {
      const last = conv.entries[conv.entries.length - 1];
      const ends = typeof frame.seconds === 'number';
      if (
        last?.kind === 'reasoning' &&
        last.turnId === frame.turnId &&
        last.open
      ) {
        const entries = conv.entries.slice(0, -1);
        entries.push({
          ...last,
          text: last.text + frame.delta,
          seconds: ends ? (frame.seconds ?? null) : last.seconds,
          open: !ends
        });
        return { ...conv, entries };
      }
      if (!frame.delta) {
        return conv;
      }
      return push(conv, {
        kind: 'reasoning',
        id: nextId(conv, frame.turnId),
        turnId: frame.turnId,
        text: frame.delta,
        seconds: ends ? (frame.seconds ?? null) : null,
        open: !ends
      });
    }
    case 'step_started':
    case 'execute_request':
      return startStep(conv, frame);
    case 'plan':
    case 'question':
      return applyAgentFrame(conv, frame);
    case 'step_finished':
      return updateStep(conv, frame.turnId, frame.step, e => ({
        ...e,
        status: frame.status,
        ename: frame.ename ?? null,
        evalue: frame.evalue ?? null,
        executionCount: frame.executionCount ?? e.executionCount,
        cellId: frame.cellId ?? e.cellId,
        cellIndex: frame.cellIndex ?? e.cellIndex,
        awaiting: false,
        ...(frame.images?.length ? { images: frame.images } : {}),
        ...(frame.skipped ? { skipped: true } : {}),
        ...(frame.rejected ? { rejected: true } : {})
      }));
    case 'files':
      return push(conv, {
        kind: 'files',
        id: nextId(conv, frame.turnId),
        turnId: frame.turnId,
        step: frame.step ?? null,
        files: Array.isArray(frame.files) ? frame.files : []
      });
    case 'turn_finished':
      return {
        ...finishTurn(
          conv,
          frame.turnId,
          frame.reason,
          frame.message ?? null,
          frame.usage ?? null
        ),
        undoableTurnId: frame.turnId
      };
    case 'error': {
      const turnId = frame.turnId ?? '';
      if (conv.turn?.turnId === turnId && !conv.turn.started) {
        // The server refused the turn: it never started and will not finish.
        return finishTurn(conv, turnId, 'error', frame.message);
      }
      return push(conv, {
        kind: 'error',
        id: nextId(conv, turnId),
        turnId,
        message: frame.message
      });
    }
    default:
      return conv;
  }
}
