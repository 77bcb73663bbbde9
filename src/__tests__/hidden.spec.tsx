import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React from 'react';

import { ProposedCode } from '../components/ProposedCode';
import { Step } from '../components/Step';
import {
  codeSegments,
  countHidden,
  joinSegments,
  revealHidden
} from '../render/hidden';
import { stepEntry } from './fakes';
import { mount, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

/** Trojan Source: the comment looks like it ends the line, the bidi controls move `return`. */
const TROJAN =
  'def is_admin(user):\n' +
  '    if user != "admin\u202e \u2066# check access\u2069 \u2066":\n' +
  '        return False\n' +
  '    return True\n';

describe('hidden characters in code', () => {
  it('marks bidi controls, zero-width, ANSI, C0/C1 controls, tags and lone CR', () => {
    const samples: Array<[string, string]> = [
      ['\u202a', 'U+202A'],
      ['\u202b', 'U+202B'],
      ['\u202c', 'U+202C'],
      ['\u202d', 'U+202D'],
      ['\u202e', 'U+202E'],
      ['\u2066', 'U+2066'],
      ['\u2067', 'U+2067'],
      ['\u2068', 'U+2068'],
      ['\u2069', 'U+2069'],
      ['\u200b', 'U+200B'],
      ['\u200c', 'U+200C'],
      ['\u200d', 'U+200D'],
      ['\u2060', 'U+2060'],
      ['\ufeff', 'U+FEFF'],
      ['\u001b', 'U+001B'],
      ['\u0000', 'U+0000'],
      ['\u0007', 'U+0007'],
      ['\u0085', 'U+0085'],
      ['\u009b', 'U+009B'],
      ['\u{e0041}', 'U+E0041'],
      ['\ufe01', 'U+FE01'],
      ['\u{e0100}', 'U+E0100'],
      ['\r', 'U+000D']
    ];
    for (const [char, point] of samples) {
      const code = `a${char}b`;
      expect(countHidden(code)).toBe(1);
      expect(revealHidden(code)).toBe(`a⟪${point}⟫b`);
    }
  });

  it('leaves ordinary code alone: tabs, line breaks, CRLF, Chinese, emoji', () => {
    const code = 'if x:\r\n\tprint("你好 👋 ⚠\ufe0f")\n';
    expect(countHidden(code)).toBe(0);
    expect(revealHidden(code)).toBe(code);
  });

  it('an ANSI escape shows as a marker before its visible parameters', () => {
    expect(revealHidden('print("\u001b[2J\u001b[31mok")')).toBe(
      'print("⟪U+001B⟫[2J⟪U+001B⟫[31mok")'
    );
  });

  it('the segments join back to exactly the code', () => {
    const segments = codeSegments(TROJAN);
    expect(segments.filter(s => s.hidden)).toHaveLength(4);
    expect(joinSegments(segments)).toBe(TROJAN);
  });
});

describe('ProposedCode and Step', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  it('shows the markers and a warning; the text read back is the code', async () => {
    widget = await mount(<ProposedCode code={TROJAN} trans={trans} />);
    const pre = widget.node.querySelector('.jp-CodeInterp-codeText')!;
    // No bidi control reaches the page, so nothing can reorder what is shown.
    expect(pre.textContent).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(pre.textContent).toContain('"admin⟪U+202E⟫ ⟪U+2066⟫# check access');
    const marks = Array.from(pre.querySelectorAll('.jp-CodeInterp-hiddenChar'));
    expect(marks.map(mark => mark.getAttribute('title'))).toEqual([
      'RIGHT-TO-LEFT OVERRIDE',
      'LEFT-TO-RIGHT ISOLATE',
      'POP DIRECTIONAL ISOLATE',
      'LEFT-TO-RIGHT ISOLATE'
    ]);
    const warning = widget.node.querySelector('.jp-CodeInterp-hiddenWarning')!;
    expect(warning.textContent).toContain('4 hidden characters');
    // Replacing each marker by its character gives the code that runs, unchanged.
    const back = Array.from(pre.childNodes)
      .map(node =>
        node.nodeType === Node.TEXT_NODE
          ? node.textContent
          : String.fromCodePoint(parseInt(node.textContent!.slice(3, -1), 16))
      )
      .join('');
    expect(back).toBe(TROJAN);
  });

  it('shows no warning for ordinary code', async () => {
    widget = await mount(<ProposedCode code={'print(1)\n'} trans={trans} />);
    expect(
      widget.node.querySelector('.jp-CodeInterp-hiddenWarning')
    ).toBeNull();
    expect(widget.node.textContent).toBe('print(1)\n');
  });

  it('a waiting step shows its code for approval; every step marks hidden characters', async () => {
    const step = { ...stepEntry(), code: TROJAN, awaiting: true };
    widget = await mount(
      <Step
        step={step}
        trans={trans}
        onShowCell={() => undefined}
        onApprove={() => undefined}
      />
    );
    expect(
      widget.node.querySelector('.jp-CodeInterp-proposedCode')
    ).not.toBeNull();
    const main = widget.node.querySelector(
      '.jp-CodeInterp-stepMain'
    ) as HTMLElement;
    expect(main.title).toBe(revealHidden(TROJAN));
    expect(main.title).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(main.textContent).toContain('hidden characters in the code');
    unmount(widget);

    widget = await mount(
      <Step
        step={{ ...step, awaiting: false, status: 'ok' }}
        trans={trans}
        onShowCell={() => undefined}
      />
    );
    expect(widget.node.querySelector('.jp-CodeInterp-proposedCode')).toBeNull();
    expect(widget.node.textContent).toContain('hidden characters in the code');
  });
});
