/**
 * Gets notebooks' kernels ready for turns in the background, so that the
 * first instruction does not wait for setup code to be fetched and run.
 */

import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';

import type { KernelInspector } from './inspector';
import type { KernelSetup } from './kernelSetup';

/** Fetches setup code early and runs the silent inspection setup per kernel. */
export class KernelWarmup {
  /** Warm up with these (either may be absent). */
  constructor(setup: KernelSetup | null, inspector: KernelInspector | null) {
    this._setup = setup;
    this._inspector = inspector;
  }

  /**
   * Fetch the setup code now, and run the silent inspection setup as soon as
   * the panel's kernel is idle (again after a restart or a change of kernel),
   * not at the first instruction. Watching a panel twice is a no-op.
   */
  watch(panel: NotebookPanel): void {
    if (panel.isDisposed || this._watchedPanels.has(panel)) {
      return;
    }
    this._watchedPanels.add(panel);
    this._setup?.preload();
    this._inspector?.preload();
    const sessionContext = panel.sessionContext;
    const warm = (_: unknown, status: Kernel.Status | null): void => {
      const kernel = sessionContext.isDisposed
        ? null
        : sessionContext.session?.kernel;
      if (!kernel || !this._inspector) {
        return;
      }
      if (status === 'restarting' || status === 'autorestarting') {
        this._warmed.delete(kernel); // a new process: its setup runs again
      } else if (kernel.status === 'idle' && !this._warmed.has(kernel)) {
        // Once per kernel process: a failed warm-up is retried by the turn.
        this._warmed.add(kernel);
        void this._inspector.prepare(kernel);
      }
    };
    sessionContext.statusChanged.connect(warm);
    panel.disposed.connect(() => {
      sessionContext.statusChanged.disconnect(warm);
    });
    warm(null, null);
  }

  private _setup: KernelSetup | null;
  private _inspector: KernelInspector | null;
  /** Panels whose kernels are kept ready. */
  private _watchedPanels = new WeakSet<NotebookPanel>();
  /** Kernels (since their last restart) whose inspection setup was started. */
  private _warmed = new WeakSet<Kernel.IKernelConnection>();
}
