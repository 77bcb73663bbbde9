/**
 * The silent inspection of a kernel for a turn's context: the server's
 * inspection code runs once per kernel, then each turn evaluates its
 * expression through `user_expressions` (see docs/protocol.md).
 */

import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { errorMessage } from '../errors';
import { CachedRequest } from '../request';
import { withTimeout } from '../timeout';
import type { IKernelContext, IKernelState } from '../protocol';
import { KernelSetup } from './kernelSetup';
import { joinText } from './outputs';

/** What `GET /code-interp/kernel-inspect` returns, per kernel language. */
export type KernelInspectCode = Record<
  string,
  { setup: string; expression: string }
>;

/** How long the silent kernel inspection may take, in ms. */
export const INSPECT_TIMEOUT = 3000;

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
    this._code = new CachedRequest(fetchCode);
    this._timeout = options.timeout ?? INSPECT_TIMEOUT;
    this._setup = new KernelSetup(async () => {
      const code = await this._code.get();
      const setup: Record<string, string> = {};
      for (const [language, spec] of Object.entries(code)) {
        setup[language] = spec.setup;
      }
      return setup;
    });
  }

  /** Fetch the inspection code now (once), so that no turn waits for it. */
  preload(): void {
    this._code.preload();
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

  /**
   * The kernel part of a turn's context (null: no running kernel). A kernel
   * of a language without inspection (R, bash…) gives its language only, so
   * that the model is told which language to write.
   */
  async inspect(
    kernel: Kernel.IKernelConnection | null | undefined
  ): Promise<IKernelContext | null> {
    if (!kernel || kernel.isDisposed || kernel.status === 'dead') {
      return null;
    }
    const seen: { language: string | null } = { language: null };
    const result = await withTimeout(
      this._inspect(kernel, seen),
      this._timeout,
      'timeout' as const
    );
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
      code = await this._code.get();
    } catch (reason) {
      return {
        language,
        state: null,
        error: `The kernel inspection is not available: ${errorMessage(reason)}`
      };
    }
    const spec = code[language];
    if (!spec) {
      return { language, state: null, error: null };
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

  private _code: CachedRequest<KernelInspectCode>;
  private _setup: KernelSetup;
  private _timeout: number;
}
