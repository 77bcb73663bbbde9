/**
 * The notebook context sent with a turn: the cells (outputs compacted like
 * execution results, images as placeholders), the active cell and the
 * kernel's state from a silent inspection (inspector.ts; see docs/protocol.md).
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type {
  IContextCell,
  IKernelContext,
  INotebookContext
} from '../protocol';
import { withImagePlaceholders } from './images';
import type { KernelInspector } from './inspector';
import { compactOutputs, joinText } from './outputs';

/** Largest context sent with a turn, in bytes of JSON. */
export const MAX_CONTEXT_BYTES = 2 * 1024 * 1024;

/** The cell source kept when a source is dropped to fit the cap. */
const SOURCE_DROPPED = '[source omitted: the notebook is too large]';

/** The output kept when outputs are dropped to fit the cap. */
const OUTPUTS_DROPPED: nbformat.IStream = {
  output_type: 'stream',
  name: 'stdout',
  text: '[outputs omitted: the notebook is too large]'
};

/** A cell as the shared notebook model gives it. */
export interface ICellSnapshot {
  id: string;
  cell_type: string;
  source: nbformat.MultilineString;
  execution_count?: number | null;
  outputs?: nbformat.IOutput[];
}

/** Bytes of a string in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i += 1;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

/** One cell for the model: outputs compacted, images as placeholders. */
export function contextCell(
  cell: ICellSnapshot,
  outputLimit: number
): IContextCell {
  const type =
    cell.cell_type === 'markdown' || cell.cell_type === 'raw'
      ? cell.cell_type
      : 'code';
  const result: IContextCell = {
    id: cell.id,
    type,
    source: joinText(cell.source)
  };
  if (type === 'code') {
    result.executionCount = cell.execution_count ?? null;
    // Images are kept through compaction (no byte caps) so that each one
    // becomes a placeholder after the text was cut, not a cut placeholder.
    result.outputs = withImagePlaceholders(
      compactOutputs(cell.outputs ?? [], {
        outputLimit,
        imageLimit: Infinity,
        totalImageLimit: Infinity
      })
    );
  }
  return result;
}

/**
 * Fit a context into `maxBytes` of JSON: outputs of the cells farthest from
 * the active cell are dropped first, then their sources.
 */
export function capContext(
  context: INotebookContext,
  maxBytes = MAX_CONTEXT_BYTES
): INotebookContext {
  const cells = context.cells.map(cell => ({ ...cell }));
  const sizes = cells.map(cell => utf8Length(JSON.stringify(cell)));
  const rest = utf8Length(JSON.stringify({ ...context, cells: [] }));
  // Each cell adds a comma between array items.
  let total = rest + sizes.reduce((sum, size) => sum + size + 1, 0);
  if (total <= maxBytes) {
    return context;
  }
  const active = Math.min(Math.max(context.activeIndex, 0), cells.length - 1);
  const order = cells
    .map((_, index) => index)
    .sort((a, b) => Math.abs(b - active) - Math.abs(a - active) || a - b);
  const shrink = (index: number, change: (cell: IContextCell) => void) => {
    change(cells[index]);
    const size = utf8Length(JSON.stringify(cells[index]));
    total += size - sizes[index];
    sizes[index] = size;
  };
  for (const index of order) {
    if (total <= maxBytes) {
      break;
    }
    if (cells[index].outputs?.length) {
      shrink(index, cell => {
        cell.outputs = [OUTPUTS_DROPPED];
      });
    }
  }
  for (const index of order) {
    if (total <= maxBytes) {
      break;
    }
    if (cells[index].source.length > SOURCE_DROPPED.length) {
      shrink(index, cell => {
        cell.source = SOURCE_DROPPED;
      });
    }
  }
  return { ...context, cells };
}

/** Options of `notebookContext`. */
export interface INotebookContextOptions {
  /** Characters of text output kept per cell. */
  outputLimit: number;
  /** Inspects the kernel (absent: `kernel` is null). */
  inspector?: KernelInspector | null;
  /** Cap of the whole context, in bytes of JSON. */
  maxBytes?: number;
}

/**
 * The notebook's kernel language as saved in its metadata (`language_info`,
 * else the kernelspec's), or null.
 */
export function notebookLanguage(panel: NotebookPanel): string | null {
  const model = panel.content.model;
  const info = model?.getMetadata?.('language_info') as
    { name?: unknown } | undefined;
  const spec = model?.getMetadata?.('kernelspec') as
    { language?: unknown } | undefined;
  // A new notebook's model has an empty `language_info.name`.
  const found = [info?.name, spec?.language].find(
    name => typeof name === 'string' && name
  );
  return (found as string | undefined) ?? null;
}

/** Snapshot of a notebook panel and its kernel as a turn starts. */
export async function notebookContext(
  panel: NotebookPanel,
  options: INotebookContextOptions
): Promise<INotebookContext> {
  // Read the cells first: the notebook may change while the kernel answers.
  const cells = (panel.content.model?.sharedModel.cells ?? []).map(cell =>
    contextCell(
      { ...(cell.toJSON() as unknown as ICellSnapshot), id: cell.id },
      options.outputLimit
    )
  );
  const activeIndex = panel.content.activeCellIndex;
  let kernel: IKernelContext | null = null;
  if (options.inspector && !panel.sessionContext.isDisposed) {
    kernel = await options.inspector.inspect(
      panel.sessionContext.session?.kernel
    );
  }
  // A kernel still starting (or not answering) cannot say its language: the
  // notebook's metadata can, so that the model is not told to write Python.
  const language = notebookLanguage(panel);
  if (!kernel && language && language.toLowerCase() !== 'python') {
    kernel = { language, state: null, error: null };
  }
  return capContext({ cells, activeIndex, kernel }, options.maxBytes);
}
