/**
 * Conversation entries of the notebook agent (issue 15): the model's plan,
 * its question with answer choices and the rules of a turn. Plain
 * TypeScript, no DOM; `conversation.ts` applies the frames through these.
 */

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

/**
 * The entries with `entry` added; a plan replaces the turn's earlier plan in
 * place (one checklist per turn, where it first appeared).
 */
export function withAgentEntry<T extends IAnyEntry>(
  entries: readonly T[],
  entry: AgentEntry & T
): { entries: T[]; added: boolean } {
  if (entry.kind === 'plan') {
    const index = entries.findIndex(
      e => e.kind === 'plan' && e.turnId === entry.turnId
    );
    if (index !== -1) {
      const next = entries.slice();
      next[index] = { ...entry, id: (entries[index] as T & { id: string }).id };
      return { entries: next, added: false };
    }
  }
  return { entries: [...entries, entry], added: true };
}

/** The turn whose question may still be answered: the conversation's last turn. */
export function answerableTurn(entries: readonly IAnyEntry[]): string | null {
  const last = entries[entries.length - 1];
  return last ? last.turnId : null;
}
