/**
 * matplotlib's warning for characters its fonts lack, e.g.
 * `UserWarning: Glyph 22235 (\N{CJK UNIFIED IDEOGRAPH-56DB}) missing from font(s) DejaVu Sans.`
 * (`missing from current font.` before matplotlib 3.6). When the glyphs are
 * Chinese, Japanese or Korean the kernel has no CJK font and plots show boxes.
 * Pure functions, no DOM.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import { joinText } from './outputs';

const GLYPH_WARNING =
  /Glyph (\d+) (?:\([^)\n]*\) )?missing from (?:current font|font\(s\))/;

/** Code point ranges of CJK scripts (ideographs, kana, hangul, CJK punctuation, full width forms). */
const CJK_RANGES: ReadonlyArray<[number, number]> = [
  [0x2e80, 0x2fdf], // radicals
  [0x3000, 0x303f], // CJK symbols and punctuation
  [0x3040, 0x30ff], // hiragana, katakana
  [0x3100, 0x31bf], // bopomofo
  [0x3400, 0x4dbf], // extension A
  [0x4e00, 0x9fff], // unified ideographs
  [0xac00, 0xd7af], // hangul syllables
  [0xf900, 0xfaff], // compatibility ideographs
  [0xff00, 0xffef], // half and full width forms
  [0x20000, 0x3134f] // extensions B to G
];

/** Whether a code point belongs to a CJK script. */
export function isCjkCodePoint(code: number): boolean {
  return CJK_RANGES.some(([low, high]) => code >= low && code <= high);
}

/** The code points matplotlib reported missing in this text. */
export function missingGlyphs(text: string): number[] {
  const found = text.match(new RegExp(GLYPH_WARNING.source, 'g')) ?? [];
  return found.map(warning => Number(GLYPH_WARNING.exec(warning)?.[1]));
}

/**
 * Whether a cell's outputs carry matplotlib's missing-glyph warning for CJK
 * characters (warnings go to stderr).
 */
export function reportsMissingCjkGlyphs(
  outputs: readonly nbformat.IOutput[]
): boolean {
  return outputs.some(
    output =>
      output.output_type === 'stream' &&
      output.name === 'stderr' &&
      missingGlyphs(joinText(output.text as nbformat.MultilineString)).some(
        isCjkCodePoint
      )
  );
}
