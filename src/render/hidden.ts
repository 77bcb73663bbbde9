/**
 * Characters that change how code looks without showing themselves: bidi
 * overrides and isolates (Trojan Source), zero-width and other invisible
 * characters, Unicode tags, ANSI escapes and other C0/C1 controls. Code shown
 * for approval marks each one visibly; the code itself is never changed.
 */

/** Ranges of hidden code points (inclusive); tabs and line feeds are ordinary. */
const HIDDEN_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x0008], // C0 controls …
  [0x000b, 0x000c],
  [0x000e, 0x001f], // … including ESC, which starts ANSI escapes
  [0x007f, 0x009f], // DEL and C1 controls
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x061c, 0x061c], // Arabic letter mark
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5],
  [0x180b, 0x180f], // Mongolian variation selectors, vowel separator
  [0x200b, 0x200f], // zero-width characters, LRM, RLM
  [0x2028, 0x202e], // line/paragraph separators, bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0x3164, 0x3164],
  [0xfe00, 0xfe0d], // variation selectors (not VS15/VS16, which pick emoji or text style)
  [0xfeff, 0xfeff], // byte order mark
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb], // interlinear annotations
  [0xe0000, 0xe007f], // tags ("ASCII smuggling")
  [0xe0100, 0xe01ef] // variation selectors supplement
];

/**
 * Whether a character is hidden; a lone carriage return counts (Python reads
 * it as a line break, a display may not), CRLF does not.
 */
function isHidden(point: number, next: string | undefined): boolean {
  if (point === 0x0d) {
    return next !== '\n';
  }
  return HIDDEN_RANGES.some(([low, high]) => point >= low && point <= high);
}

/** Names of the characters most used to disguise code. */
const NAMES: Record<number, string> = {
  0x1b: 'ESCAPE (ANSI)',
  0x0d: 'CARRIAGE RETURN',
  0x7f: 'DELETE',
  0xad: 'SOFT HYPHEN',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE'
};

/** A piece of code: plain text, or one hidden character with its visible marker. */
export type CodeSegment =
  | { hidden: false; text: string }
  | { hidden: true; char: string; marker: string; name: string };

/** `U+202E` for a code point. */
function codePointName(point: number): string {
  return `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The code split into plain text and hidden characters, in order. */
export function codeSegments(code: string): CodeSegment[] {
  const segments: CodeSegment[] = [];
  const chars = Array.from(code); // code points, not UTF-16 units
  let text = '';
  chars.forEach((char, index) => {
    const point = char.codePointAt(0)!;
    if (!isHidden(point, chars[index + 1])) {
      text += char;
      return;
    }
    if (text) {
      segments.push({ hidden: false, text });
      text = '';
    }
    const name = codePointName(point);
    segments.push({
      hidden: true,
      char,
      marker: `⟪${name}⟫`,
      name: NAMES[point] ?? name
    });
  });
  if (text) {
    segments.push({ hidden: false, text });
  }
  return segments;
}

/** How many hidden characters the code holds. */
export function countHidden(code: string): number {
  return codeSegments(code).filter(segment => segment.hidden).length;
}

/** The code with each hidden character replaced by its marker (for tooltips). */
export function revealHidden(code: string): string {
  return codeSegments(code)
    .map(segment => (segment.hidden ? segment.marker : segment.text))
    .join('');
}

/** The code back from its segments: exactly the code that runs. */
export function joinSegments(segments: readonly CodeSegment[]): string {
  return segments
    .map(segment => (segment.hidden ? segment.char : segment.text))
    .join('');
}
