/**
 * First-turn latency and long conversations: kernels are prepared before the
 * first instruction (the turn only evaluates the inspection), and the message
 * list renders only the entries that changed.
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { Messages } from '../components/Messages';
import { panelFiles } from '../components/files/PanelFiles';
import { KernelInspectCode, KernelInspector } from '../notebook/inspector';
import { NotebookExecutor } from '../notebook/executor';
import type { ICodeInterpreterFiles } from '../files/tokens';
import { KernelSetup } from '../notebook/kernelSetup';
import { ConversationEntry } from '../conversation';
import { FakeKernel, flush, makePanel } from './fakes';
import { mount, unmount } from './react';

const INSPECT: KernelInspectCode = {
  python: { setup: 'def _inspect(): ...', expression: '_inspect()' }
};
const FONT = { python: 'configure_cjk_font()' };

describe('NotebookExecutor: kernels prepared before the first turn', () => {
  let fetched: string[];
  let executor: NotebookExecutor;

  beforeEach(() => {
    fetched = [];
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    executor = new NotebookExecutor({
      inspector: new KernelInspector(async () => {
        fetched.push('kernel-inspect');
        return INSPECT;
      }),
      setup: new KernelSetup(async () => {
        fetched.push('kernel-setup');
        return FONT;
      })
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('fetches the code at once and runs the inspection setup when the kernel is idle', async () => {
    const kernel = new FakeKernel();
    kernel.status = 'starting';
    const { panel, setStatus, disposed } = makePanel({ kernel });
    executor.prepare(panel);
    executor.prepare(panel); // a second call changes nothing
    await flush();
    expect(fetched.sort()).toEqual(['kernel-inspect', 'kernel-setup']);
    expect(kernel.ran).toEqual([]); // still starting

    setStatus('idle');
    await flush();
    expect(kernel.ran).toEqual(['def _inspect(): ...']);
    expect(fetched.sort()).toEqual(['kernel-inspect', 'kernel-setup']);

    // Idle again after a cell: nothing more. After a restart: again.
    setStatus('busy');
    setStatus('idle');
    await flush();
    expect(kernel.ran).toEqual(['def _inspect(): ...']);
    setStatus('restarting');
    setStatus('idle');
    await flush();
    expect(kernel.ran).toEqual(['def _inspect(): ...', 'def _inspect(): ...']);

    // A turn now only evaluates the expression.
    const context = await executor.notebookContext(panel, {
      outputLimit: 100
    });
    await flush();
    expect(context.kernel).toEqual({
      language: 'python',
      state: { python: '3.11.4', variables: [{ name: 'df' }] },
      error: null
    });
    // The font setup waits for the first cell: nothing holds up the inspection.
    expect(kernel.ran.slice(2)).toEqual(['? _inspect()']);

    // A closed notebook is no longer watched.
    disposed.emit();
    setStatus('restarting');
    setStatus('idle');
    await flush();
    expect(kernel.ran).toHaveLength(3);
  });
});

describe('Messages: only changed entries render again', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  /** A translation bundle that counts its calls (one per rendered notice). */
  function countingTrans(): { trans: TranslationBundle; calls: () => number } {
    const base = nullTranslator.load('jupyter_code_interp');
    let calls = 0;
    const trans = {
      ...base,
      __: (text: string, ...args: unknown[]) => {
        calls += 1;
        return base.__(text, ...(args as string[]));
      }
    } as TranslationBundle;
    return { trans, calls: () => calls };
  }

  function notices(count: number): ConversationEntry[] {
    return Array.from({ length: count }, (_, index) => ({
      kind: 'notice' as const,
      id: `t${index}:0`,
      turnId: `t${index}`,
      reason: 'done' as const,
      message: null
    }));
  }

  it('renders a new entry without rendering the others again', async () => {
    const { trans, calls } = countingTrans();
    const onShowCell = () => undefined;
    const onUndo = () => undefined;
    const rendermime = {} as IRenderMimeRegistry;
    const entries = notices(50);
    const view = (list: ConversationEntry[], undoable: string) => (
      <Messages
        entries={list}
        rendermime={rendermime}
        trans={trans}
        onShowCell={onShowCell}
        undoableTurnId={undoable}
        onUndo={onUndo}
      />
    );
    widget = await mount(view(entries, 't49'));
    const first = calls();
    expect(first).toBeGreaterThanOrEqual(50);
    // One more entry, and Undo moves to it: two entries render, not 51.
    const more = [...entries, ...notices(51).slice(50)];
    (widget as any).render = () => view(more, 't50');
    await act(async () => {
      widget.update();
      await new Promise(resolve => requestAnimationFrame(resolve));
    });
    expect(
      widget.node.querySelectorAll('.jp-CodeInterp-turnNotice')
    ).toHaveLength(51);
    expect(widget.node.querySelectorAll('.jp-CodeInterp-undo')).toHaveLength(1);
    // The new notice and the one that lost Undo (two calls each: text and Undo's labels).
    expect(calls() - first).toBeLessThanOrEqual(6);
  });

  it('gives the message list the same file actions on every render', () => {
    const files = {
      attachments: { items: [], uploading: false },
      fileUrl: (path: string) => path,
      open: () => undefined
    } as unknown as ICodeInterpreterFiles;
    expect(panelFiles(files, 'a.ipynb', 0).actions).toBe(
      panelFiles(files, 'b/c.ipynb', 1).actions
    );
  });
});
