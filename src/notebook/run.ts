/**
 * Running one code cell in its notebook's kernel and collecting what it
 * left: used for new cells (`execute`) and for actions on existing cells
 * (`edit` with run, `run`).
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { errorMessage } from '../errors';
import { withTimeout } from '../timeout';
import { downscaleImages } from './images';
import { compactOutputs } from './outputs';

/** How long to wait for a notebook's session to be ready, in ms. */
const SESSION_READY_TIMEOUT = 60000;

/** Runs a cell in a session (CodeCell.execute; tests give their own). */
export type CellRunner = (
  cell: CodeCell,
  sessionContext: ISessionContext
) => Promise<KernelMessage.IExecuteReplyMsg | void>;

/** What a cell left after it ran: all its outputs (errors included) and its count. */
export interface ICellRunOutcome {
  outputs: nbformat.IOutput[];
  executionCount: number | null;
}

/** Why a cell lost its kernel, from the statuses seen while it ran; else null. */
function kernelLoss(seen: Set<string>): string | null {
  if (seen.has('autorestarting') || seen.has('dead')) {
    return 'The kernel died while the cell ran (JupyterLab restarts it); everything defined in it before is gone.';
  }
  if (seen.has('restarting')) {
    return 'The kernel was restarted while the cell ran; everything defined in it before is gone.';
  }
  return null;
}

/**
 * Run `cell` in `sessionContext` with `runCell`; `started` gets the run's
 * promise (the end-of-turn save waits for it). Rejects with a message for the
 * model when the kernel died or was restarted, the run was interrupted, the
 * cell was deleted while it ran or the kernel aborted it. `closed` is the
 * message when the notebook went away meanwhile.
 */
export async function runCellIn(options: {
  cell: CodeCell;
  sessionContext: ISessionContext;
  kernel: Kernel.IKernelConnection;
  runCell: CellRunner;
  isClosed: () => boolean;
  closed: string;
  path: string;
  started?: (run: Promise<unknown>) => void;
}): Promise<ICellRunOutcome> {
  const { cell, kernel } = options;
  // A run can end without a reply because the kernel died or was restarted:
  // its status says which, so that the model and the user are told.
  const seen = new Set<string>();
  const watch = (_: unknown, status: string): void => {
    seen.add(status);
  };
  kernel.statusChanged.connect(watch);
  let reply: KernelMessage.IExecuteReplyMsg | void;
  try {
    const run = options.runCell(cell, options.sessionContext);
    options.started?.(run);
    reply = await run;
  } catch (reason) {
    if (options.isClosed()) {
      throw new Error(options.closed);
    }
    throw new Error(
      kernelLoss(seen) ??
        `The execution was interrupted: ${errorMessage(reason)}`
    );
  } finally {
    kernel.statusChanged.disconnect(watch);
  }
  const lost = kernelLoss(seen);
  if (lost) {
    throw new Error(lost);
  }
  if (cell.isDisposed) {
    throw new Error(`The cell was deleted from ${options.path} while it ran.`);
  }
  const outputs = cell.model.outputs.toJSON();
  const content = reply ? reply.content : null;
  if (content?.status === 'aborted') {
    throw new Error('The kernel aborted the execution.');
  }
  if (
    content?.status === 'error' &&
    !outputs.some(o => o.output_type === 'error')
  ) {
    outputs.push({
      output_type: 'error',
      ename: content.ename,
      evalue: content.evalue,
      traceback: content.traceback
    } as nbformat.IError);
  }
  return { outputs, executionCount: cell.model.executionCount ?? null };
}

/** Outputs as the model gets them: images downscaled, text cut to `outputLimit`. */
export async function outputsForModel(
  outputs: nbformat.IOutput[],
  outputLimit: number
): Promise<nbformat.IOutput[]> {
  return compactOutputs(await downscaleImages(outputs), { outputLimit });
}

/** The notebook's kernel, or an error for the model (none, dead). */
export function kernelOf(panel: NotebookPanel): Kernel.IKernelConnection {
  const path = panel.context.path;
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) {
    throw new Error(
      `The notebook ${path} has no kernel. Ask the user to select a kernel for it.`
    );
  }
  if (kernel.status === 'dead') {
    throw new Error(
      `The kernel of ${path} is dead. Ask the user to restart it.`
    );
  }
  return kernel;
}

/**
 * Wait for a notebook's kernel session, then check it has a live kernel;
 * `check` throws when the turn ended meanwhile. Rejects with a message for the model.
 */
export async function readySession(
  panel: NotebookPanel,
  check: () => void
): Promise<void> {
  const path = panel.context.path;
  const closed = `The notebook ${path} was closed.`;
  if (panel.isDisposed) {
    throw new Error(closed);
  }
  const sessionContext = panel.sessionContext;
  const ready = await withTimeout(
    sessionContext.ready,
    SESSION_READY_TIMEOUT,
    'timeout' as const
  );
  if (panel.isDisposed || sessionContext.isDisposed) {
    throw new Error(closed);
  }
  check();
  if (ready === 'timeout') {
    throw new Error(`The kernel session of ${path} did not become ready.`);
  }
  kernelOf(panel);
}
