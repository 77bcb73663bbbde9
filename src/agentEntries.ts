/**
 * Conversation entries of the notebook agent (issue 15): the model's plan,
 * its question with answer choices and the rules of a turn. Plain
 * TypeScript, no DOM; `conversation.ts` applies the frames through these.
 */

import { IEntryList, nextId, push } from './entries';
import type {
  IPlanFrame,
  IPlanItem,
  IQuestionFrame,
  IRuleSource,
  ITurnStartedFrame
} from './protocol';

/** The model's checklist for a turn (the latest `plan` frame). */
export interface IPlanEntry {
  kind: 'plan';
  id: string;
  turnId: string;
  items: readonly IPlanItem[];
}

/** A question the model asked; its choices send the answer. */
export interface IQuestionEntry {
  kind: 'question';
  id: string;
  turnId: string;
  question: string;
  choices: readonly string[];
}

/** The rules in effect for a turn (AGENTS.md, server rules). */
export interface IRulesEntry {
  kind: 'rules';
  id: string;
  turnId: string;
  rules: readonly IRuleSource[];
}

/** Entries of the notebook agent. */
export type AgentEntry = IPlanEntry | IQuestionEntry | IRulesEntry;

/** Any entry with a kind and a turn (what the reducers look at). */
interface IAnyEntry {
  kind: string;
  id: string;
  turnId: string;
}

/** Keep the well-formed plan items (text as a string, done as a boolean). */
function planItems(items: unknown): IPlanItem[] {
  if (!Array.isArray(items)) {
    return [];
  }
  return items
    .filter(item => item && typeof item === 'object')
    .map(item => ({
      text: String((item as IPlanItem).text ?? ''),
      done: (item as IPlanItem).done === true
    }));
}

/** The entry a `plan` or `question` frame adds (null: nothing to show). */
export function agentEntry(
  frame: IPlanFrame | IQuestionFrame,
  id: string
): AgentEntry | null {
  if (frame.type === 'plan') {
    const items = planItems(frame.items);
    return items.length
      ? { kind: 'plan', id, turnId: frame.turnId, items }
      : null;
  }
  const choices = Array.isArray(frame.choices)
    ? frame.choices.filter(c => typeof c === 'string' && c.trim() !== '')
    : [];
  return {
    kind: 'question',
    id,
    turnId: frame.turnId,
    question: String(frame.question ?? ''),
    choices
  };
}

/** The rules line of a started turn (null: no rules in effect). */
export function rulesEntry(
  frame: ITurnStartedFrame,
  id: string
): IRulesEntry | null {
  const rules = Array.isArray(frame.rules)
    ? frame.rules.filter(
        rule => rule && (rule.source === 'agents' || rule.source === 'config')
      )
    : [];
  return rules.length
    ? { kind: 'rules', id, turnId: frame.turnId, rules }
    : null;
}

/** A conversation as these reducers see it (see `IConversation`). */
type Entries = IEntryList<IAnyEntry>;

/**
 * Apply a `plan` or `question` frame, or the rules and echoed attached cells
 * of `turn_started`. A plan replaces the turn's earlier plan in place (one
 * checklist per turn, where it first appeared); the echoed cells give a
 * replayed instruction its chips.
 */
export function applyAgentFrame<C extends Entries>(
  conv: C,
  frame: IPlanFrame | IQuestionFrame | ITurnStartedFrame
): C {
  if (frame.type === 'turn_started') {
    const cells = Array.isArray(frame.attachedCells) ? frame.attachedCells : [];
    const next: C = !cells.length
      ? conv
      : {
          ...conv,
          entries: conv.entries.map(e =>
            e.kind === 'user' && e.turnId === frame.turnId && !('cells' in e)
              ? { ...e, cells }
              : e
          )
        };
    const rules = rulesEntry(frame, nextId(next, frame.turnId));
    return rules ? push(next, rules as C['entries'][number]) : next;
  }
  const entry = agentEntry(frame, nextId(conv, frame.turnId));
  if (!entry) {
    return conv;
  }
  const index =
    entry.kind === 'plan'
      ? conv.entries.findIndex(
          e => e.kind === 'plan' && e.turnId === entry.turnId
        )
      : -1;
  if (index === -1) {
    return push(conv, entry as C['entries'][number]);
  }
  const entries = conv.entries.slice();
  entries[index] = { ...entry, id: entries[index].id };
  return { ...conv, entries };
}

/** The turn whose question may still be answered: the conversation's last turn. */
export function answerableTurn(entries: readonly IAnyEntry[]): string | null {
  const last = entries[entries.length - 1];
  return last ? last.turnId : null;
}
