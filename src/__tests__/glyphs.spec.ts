import type { NotebookPanel } from '@jupyterlab/notebook';

import {
  isCjkCodePoint,
  missingGlyphs,
  reportsMissingCjkGlyphs
} from '../notebook/glyphs';
import type { IExecutionResult } from '../protocol';
import {
  fakeController,
  FakeWebSocket,
  flush,
  IFakeController,
  READY_STATUS
} from './fakes';

/** matplotlib 3.6+'s warning for 四 (U+56DB), as a kernel's stderr shows it. */
const WARNING_36 =
  '/tmp/ipykernel_1/1.py:5: UserWarning: Glyph 22235 (\\N{CJK UNIFIED IDEOGRAPH-56DB}) missing from font(s) DejaVu Sans.\n  fig.canvas.print_figure(bytes_io, **kw)\n';

/** matplotlib before 3.6. */
const WARNING_OLD =
  'UserWarning: Glyph 21271 missing from current font.\n  font.set_text(s, 0.0, flags=flags)\n';

/** An emoji: a CJK font does not help with that one. */
const WARNING_EMOJI =
  'UserWarning: Glyph 128512 (\\N{GRINNING FACE}) missing from font(s) DejaVu Sans.\n';

function result(stderr: string, name = 'stderr'): IExecutionResult {
  return {
    outputs: [{ output_type: 'stream', name, text: stderr }],
    executionCount: 1,
    cellId: 'c1',
    cellIndex: 0
  };
}

describe('missing glyph warnings', () => {
  it('reads the code points of both matplotlib wordings', () => {
    expect(missingGlyphs(WARNING_36 + WARNING_OLD)).toEqual([22235, 21271]);
    expect(missingGlyphs('Glyph ok, nothing missing')).toEqual([]);
  });

  it('counts only CJK characters, only on stderr', () => {
    expect(isCjkCodePoint(0x56db)).toBe(true);
    expect(isCjkCodePoint(0x3002)).toBe(true); // 。
    expect(isCjkCodePoint(0xac00)).toBe(true); // 가
    expect(isCjkCodePoint(0x41)).toBe(false);
    expect(reportsMissingCjkGlyphs(result(WARNING_36).outputs)).toBe(true);
    expect(reportsMissingCjkGlyphs(result(WARNING_OLD).outputs)).toBe(true);
    expect(reportsMissingCjkGlyphs(result(WARNING_EMOJI).outputs)).toBe(false);
    expect(reportsMissingCjkGlyphs(result(WARNING_36, 'stdout').outputs)).toBe(
      false
    );
  });
});

describe('the controller’s font hint', () => {
  let fake: IFakeController;
  let ws: FakeWebSocket;

  beforeEach(() => {
    fake = fakeController({ fetchStatus: async () => READY_STATUS });
    ws = fake.open();
  });

  afterEach(() => fake.dispose());

  /** A notebook panel whose session runs the kernel `kernelId`. */
  function panel(path: string, kernelId: string): NotebookPanel {
    return {
      context: { path },
      sessionContext: { session: { kernel: { id: kernelId } } }
    } as unknown as NotebookPanel;
  }

  /** Run one turn whose only cell prints `stderr`, and end it. */
  async function turn(target: NotebookPanel, stderr: string): Promise<void> {
    const { controller, executor } = fake;
    const turnId = controller.startTurn(target, 'plot')!;
    await flush();
    ws.receive({
      type: 'execute_request',
      turnId,
      requestId: `r-${turnId}`,
      step: 1,
      code: 'plt.show()'
    });
    executor.pending[executor.pending.length - 1].resolve(result(stderr));
    await flush();
    ws.receive({ type: 'turn_finished', turnId, reason: 'done' });
    await flush();
  }

  it('shows once per kernel when a plot lacks CJK glyphs', async () => {
    const { store } = fake;
    await turn(panel('a.ipynb', 'k1'), 'no warning here\n');
    expect(store.fontHint('a.ipynb')).toBe(false);

    await turn(panel('a.ipynb', 'k1'), WARNING_36);
    expect(store.fontHint('a.ipynb')).toBe(true);

    store.setFontHint('a.ipynb', false); // dismissed
    await turn(panel('a.ipynb', 'k1'), WARNING_36);
    expect(store.fontHint('a.ipynb')).toBe(false);

    // Another notebook's kernel has not been told yet.
    await turn(panel('b.ipynb', 'k2'), WARNING_OLD);
    expect(store.fontHint('b.ipynb')).toBe(true);
    expect(store.fontHint('a.ipynb')).toBe(false);
  });
});
