/**
 * Conversation state of the panel: one conversation per notebook path, built
 * by applying server frames (its entries: `conversationEntries.ts`). Plain
 * TypeScript, no DOM.
 */

import { applyAgentFrame } from './agentEntries';
import type { IConversation, IStepEntry } from './conversationEntries';
import { nextId, push } from './entries';
import type { IAttachmentRef } from './files/attachments';
import type {
  IAttachedCellRef,
  IExecuteRequestFrame,
  IStepStartedFrame,
  ServerFrame,
  TurnEndReason
} from './protocol';
import type { ITurnUsage } from './providers/types';

export * from './conversationEntries';

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
