/**
 * The notebook context sent with a turn: the cells (outputs compacted like
 * execution results, images as placeholders), the active cell and the
 * kernel's state from a silent inspection (see docs/protocol.md).
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { withImagePlaceholders } from './images';
import { KernelSetup } from './kernelSetup';
import { compactOutputs, joinText } from './outputs';
import type {
  IContextCell,
  IKernelContext,
  IKernelState,
  INotebookContext
} from '../protocol';
import { errorMessage } from '../errors';

/** What `GET /code-interp/kernel-inspect` returns, per kernel language. */
export type KernelInspectCode = Record<
  string,
  { setup: string; expression: string }
>;

/** Largest context sent with a turn, in bytes of JSON. */
export const MAX_CONTEXT_BYTES = 2 * 1024 * 1024;

/** How long the silent kernel inspection may take, in ms. */
export const INSPECT_TIMEOUT = 3000;

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

/** Parse the `state` user expression of an execute reply. */
export function parseKernelState(expression: unknown): {
  state: IKernelState | null;
  error: string | null;
} {
  const value = expression as
    | {
        status?: string;
        data?: Record<string, unknown>;
        ename?: string;
        evalue?: string;
      }
    | undefined;
  if (!value || value.status !== 'ok') {
    const why = value?.ename
      ? `${value.ename}: ${value.evalue ?? ''}`
      : 'no result';
    return { state: null, error: `The kernel inspection failed (${why}).` };
  }
  const data = value.data ?? {};
  let state: unknown = data['application/json'];
  if (typeof state !== 'object' || state === null) {
    try {
      state = JSON.parse(joinText(data['text/plain'] as string));
      // A JSON document shown as a Python string repr is quoted twice.
      if (typeof state === 'string') {
        state = JSON.parse(state);
      }
    } catch {
      state = null;
    }
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    return {
      state: null,
      error: 'The kernel inspection did not return a JSON object.'
    };
  }
  return { state: state as IKernelState, error: null };
}

/**
 * Silently inspects a kernel: runs the server's inspection setup once per
 * kernel (again after a restart), then evaluates its expression through
 * `user_expressions` of a silent request. Never throws and never waits
 * longer than its timeout: a busy kernel gives a state of null and an error.
 */
export class KernelInspector {
  /** Create an inspector; `fetchCode` is called once, when first needed. */
  constructor(
    fetchCode: () => Promise<KernelInspectCode>,
    options: { timeout?: number } = {}
  ) {
    this._fetchCode = fetchCode;
    this._timeout = options.timeout ?? INSPECT_TIMEOUT;
    this._setup = new KernelSetup(async () => {
      const code = await this._code();
      const setup: Record<string, string> = {};
      for (const [language, spec] of Object.entries(code)) {
        setup[language] = spec.setup;
      }
      return setup;
    });
  }

  /** Fetch the inspection code now (once), so that no turn waits for it. */
  preload(): void {
    void this._code().catch(() => undefined); // tried again when needed
  }

  /**
   * Run the inspection setup in an idle kernel ahead of its first turn (once
   * per kernel and restart), so that a turn only evaluates the expression.
   */
  async prepare(
    kernel: Kernel.IKernelConnection | null | undefined
  ): Promise<void> {
    if (kernel && !kernel.isDisposed && kernel.status === 'idle') {
      await this._setup.prepare(kernel);
    }
  }

  /** The kernel part of a turn's context (null: no running kernel of a known language). */
  async inspect(
    kernel: Kernel.IKernelConnection | null | undefined
  ): Promise<IKernelContext | null> {
    if (!kernel || kernel.isDisposed || kernel.status === 'dead') {
      return null;
    }
    const seen: { language: string | null } = { language: null };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), this._timeout);
    });
    const result = await Promise.race([this._inspect(kernel, seen), expired]);
    clearTimeout(timer);
    if (result !== 'timeout') {
      return result;
    }
    const seconds = this._timeout / 1000;
    return seen.language
      ? {
          language: seen.language,
          state: null,
          error: `The kernel did not answer within ${seconds} s (it may be busy).`
        }
      : null;
  }

  private async _inspect(
    kernel: Kernel.IKernelConnection,
    seen: { language: string | null }
  ): Promise<IKernelContext | null> {
    const info = await kernel.info.catch(() => null);
    const language = info?.language_info?.name;
    if (!language) {
      return null;
    }
    let code: KernelInspectCode;
    try {
      code = await this._code();
    } catch (reason) {
      return {
        language,
        state: null,
        error: `The kernel inspection is not available: ${errorMessage(reason)}`
      };
    }
    const spec = code[language];
    if (!spec) {
      return null;
    }
    seen.language = language;
    return { language, ...(await this._evaluate(kernel, spec.expression)) };
  }

  private async _evaluate(
    kernel: Kernel.IKernelConnection,
    expression: string
  ): Promise<{ state: IKernelState | null; error: string | null }> {
    try {
      await this._setup.prepare(kernel);
      const future = kernel.requestExecute({
        code: '',
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false,
        user_expressions: { state: expression }
      });
      const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
      const content = reply.content as KernelMessage.IExecuteReply;
      return parseKernelState(content.user_expressions?.state);
    } catch (reason) {
      return {
        state: null,
        error: `The kernel inspection failed: ${errorMessage(reason)}`
      };
    }
  }

  private _code(): Promise<KernelInspectCode> {
    if (!this._codePromise) {
      this._codePromise = this._fetchCode().catch(reason => {
        this._codePromise = null;
        throw reason;
      });
    }
    return this._codePromise;
  }

  private _fetchCode: () => Promise<KernelInspectCode>;
  private _codePromise: Promise<KernelInspectCode> | null = null;
  private _setup: KernelSetup;
  private _timeout: number;
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
  return capContext({ cells, activeIndex, kernel }, options.maxBytes);
}
