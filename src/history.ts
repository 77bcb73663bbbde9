/**
 * Rebuilding a conversation from the server's stored history: each turn's
 * recorded frames go through the same reducer as live frames. Plain
 * TypeScript, no DOM.
 */

import type { IAttachmentRef } from './files/attachments';
import {
  applyFrame,
  beginTurn,
  finishTurn,
  IConversation,
  IRunningTurn
} from './conversation';
import type { IHistoryFrame, ITurnRecord } from './protocol';

/** Chips for attachments known only by path (the size is not stored). */
function attachmentRefs(
  paths: readonly string[] | undefined
): IAttachmentRef[] {
  return (paths ?? []).map(path => ({
    path,
    name: path.split('/').pop() || path,
    size: 0
  }));
}

/**
 * Append one stored turn: the instruction, then its recorded frames. A turn
 * without a recorded end is shown running when `running`, else ended with its
 * stored reason (a turn cut by a crash ends as an error).
 */
export function replayTurn(
  conv: IConversation,
  record: ITurnRecord,
  running: boolean
): IConversation {
  const { turnId } = record;
  let next = beginTurn(
    conv,
    turnId,
    record.instruction ?? '',
    attachmentRefs(record.attachments)
  );
  for (const event of record.events ?? []) {
    if (event.type === 'execute_request' || !('turnId' in event)) {
      continue;
    }
    next = applyFrame(next, { ...event, turnId } as typeof event);
  }
  if (next.turn?.turnId !== turnId) {
    return next;
  }
  if (running) {
    const turn: IRunningTurn = {
      turnId,
      started: true,
      model: next.turn.model ?? record.model ?? null,
      remote: true
    };
    return { ...next, turn };
  }
  return finishTurn(
    next,
    turnId,
    record.reason ?? 'error',
    record.message ?? null,
    record.usage ?? null
  );
}

/**
 * The conversation a `history` frame describes. The turn that runs live in
 * this panel (`liveTurnId`) keeps its live entries instead of its stored
 * record, so that nothing shows twice and nothing streamed is lost.
 */
export function replayHistory(
  current: IConversation,
  frame: IHistoryFrame,
  liveTurnId: string | null
): IConversation {
  let conv: IConversation = {
    notebook: current.notebook,
    entries: [],
    turn: null,
    conversationId: frame.conversationId,
    seq: 0
  };
  let undoable: string | null = null;
  for (const record of frame.turns ?? []) {
    if (record.turnId === liveTurnId) {
      continue;
    }
    conv = replayTurn(conv, record, record.turnId === frame.runningTurnId);
    if (record.undoable) {
      undoable = record.turnId;
    }
  }
  conv = { ...conv, undoableTurnId: undoable };
  if (liveTurnId === null || current.turn?.turnId !== liveTurnId) {
    return conv;
  }
  const live = current.entries.filter(e => e.turnId === liveTurnId);
  return {
    ...conv,
    entries: [...conv.entries, ...live],
    turn: current.turn,
    seq: Math.max(conv.seq ?? 0, current.seq ?? current.entries.length)
  };
}
