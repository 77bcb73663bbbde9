/**
 * `@` completion of file paths in the composer: finding the `@word` under the
 * caret, ranking candidate files, and replacing the word with the choice.
 */

/** A file the server listed under the notebook's directory. */
export interface IFileEntry {
  /** Path relative to the server root. */
  path: string;
  /** Path relative to the listed directory (the notebook's). */
  relative: string;
  /** File name. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** MIME type guessed from the name. */
  mime: string;
}

/** An `@word` being typed: where its `@` is and what follows it. */
export interface IMention {
  /** Index of the `@` in the text. */
  start: number;
  /** The text between the `@` and the caret. */
  query: string;
}

/** Longest query that still counts as a mention. */
const MAX_QUERY = 200;

/**
 * The mention the caret is in, or null: an `@` at the start or after a space
 * or an opening bracket (so `a@b.com` is not one), with no space before the
 * caret.
 */
export function findMention(text: string, caret: number): IMention | null {
  for (
    let index = caret - 1;
    index >= 0 && caret - index <= MAX_QUERY;
    index--
  ) {
    const char = text[index];
    if (/\s/.test(char)) {
      return null;
    }
    if (char === '@') {
      const before = index > 0 ? text[index - 1] : ' ';
      if (!/[\s([{"'“‘（【]/.test(before)) {
        return null;
      }
      return { start: index, query: text.slice(index + 1, caret) };
    }
  }
  return null;
}

/** Whether the characters of `query` appear in order in `text`. */
function isSubsequence(query: string, text: string): boolean {
  let position = 0;
  for (const char of query) {
    position = text.indexOf(char, position);
    if (position === -1) {
      return false;
    }
    position += 1;
  }
  return true;
}

/** How well an entry matches (lower is better), or -1 when it does not. */
function score(entry: IFileEntry, query: string): number {
  const name = entry.name.toLocaleLowerCase();
  const relative = entry.relative.toLocaleLowerCase();
  if (!query) {
    return 0;
  }
  if (name.startsWith(query)) {
    return 0;
  }
  if (relative.startsWith(query)) {
    return 1;
  }
  if (name.includes(query)) {
    return 2;
  }
  if (relative.includes(query)) {
    return 3;
  }
  return isSubsequence(query, relative) ? 4 : -1;
}

/**
 * The entries matching `query` (case-insensitive: name prefix, path prefix,
 * substring, then characters in order), best first, shallow paths before
 * deep ones, at most `limit`.
 */
export function rankCompletions(
  entries: readonly IFileEntry[],
  query: string,
  limit = 20
): IFileEntry[] {
  const needle = query.toLocaleLowerCase();
  return entries
    .map(entry => ({ entry, rank: score(entry, needle) }))
    .filter(item => item.rank >= 0)
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        a.entry.relative.split('/').length -
          b.entry.relative.split('/').length ||
        a.entry.relative.localeCompare(b.entry.relative)
    )
    .slice(0, limit)
    .map(item => item.entry);
}

/**
 * The text with the `@query` at the caret replaced by `inserted` and a
 * space, and where the caret goes after it.
 */
export function applyMention(
  text: string,
  mention: IMention,
  caret: number,
  inserted: string
): { text: string; caret: number } {
  const replacement = `${inserted} `;
  const rest = text.slice(caret).replace(/^ /, '');
  return {
    text: text.slice(0, mention.start) + replacement + rest,
    caret: mention.start + replacement.length
  };
}
