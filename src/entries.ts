/**
 * Entry ids and appends shared by the conversation reducers
 * (`conversation.ts`, `agentEntries.ts`). Plain TypeScript, no DOM.
 */

/** A list of entries with the count of entries ever added. */
export interface IEntryList<E> {
  entries: readonly E[];
  /** Entries ever added: keeps entry ids unique after merges and removals. */
  seq?: number;
}

/** The id of the next entry of a turn. */
export function nextId<E>(conv: IEntryList<E>, turnId: string): string {
  return `${turnId}:${conv.seq ?? conv.entries.length}`;
}

/** The list with `entry` appended. */
export function push<C extends IEntryList<unknown>>(
  conv: C,
  entry: C['entries'][number]
): C {
  return {
    ...conv,
    entries: [...conv.entries, entry],
    seq: (conv.seq ?? conv.entries.length) + 1
  };
}
