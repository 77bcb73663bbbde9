/**
 * Running one code cell in its notebook's kernel and collecting what it
 * left: used for new cells (`execute`) and for actions on existing cells
 * (`edit` with run, `run`).
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { errorMessage } from '../errors';
import { downscaleImages } from './images';
import { compactOutputs } from './outputs';

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
