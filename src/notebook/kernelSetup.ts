import type { Kernel } from '@jupyterlab/services';

import { CachedRequest } from '../request';

/** Setup code per kernel language, as `GET /code-interp/kernel-setup` returns it. */
export type KernelSetupCode = Record<string, string>;

/**
 * Runs the server's setup code (a CJK font for matplotlib) silently in a
 * kernel before the extension first runs code in it, and again after the
 * kernel restarts. Kernels of other languages are left alone; a failure
 * never stops the cell that follows.
 */
export class KernelSetup {
  /** Create a setup runner; `fetchCode` is called once, when first needed. */
  constructor(fetchCode: () => Promise<KernelSetupCode>) {
    this._code = new CachedRequest(fetchCode);
  }

  /** Fetch the setup code now (once), so that no turn waits for it. */
  preload(): void {
    this._code.preload();
  }

  /** Make sure the setup ran in this kernel (since its last restart). */
  prepare(kernel: Kernel.IKernelConnection): Promise<void> {
    let done = this._prepared.get(kernel);
    if (!done) {
      if (!this._watched.has(kernel)) {
        this._watched.add(kernel);
        kernel.statusChanged.connect(this._onStatus, this);
      }
      done = this._run(kernel);
      this._prepared.set(kernel, done);
    }
    return done;
  }

  private async _run(kernel: Kernel.IKernelConnection): Promise<void> {
    try {
      const info = await kernel.info;
      const code = (await this._code.get())[info.language_info.name];
      if (!code || kernel.isDisposed) {
        return;
      }
      const future = kernel.requestExecute({
        code,
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      });
      await future.done;
    } catch (reason) {
      // Best effort: plots may show boxes for Chinese text, the cell still runs.
      this._prepared.delete(kernel);
      console.warn('jupyter-code-interp: kernel setup failed.', reason);
    }
  }

  private _onStatus(
    kernel: Kernel.IKernelConnection,
    status: Kernel.Status
  ): void {
    // A restarted kernel is a new process with the same connection object.
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      this._prepared.delete(kernel);
    }
  }

  private _code: CachedRequest<KernelSetupCode>;
  private _prepared = new WeakMap<Kernel.IKernelConnection, Promise<void>>();
  private _watched = new WeakSet<Kernel.IKernelConnection>();
}
