/**
 * Wire types of the notebook as the model sees it: the turn's context (cells,
 * kernel state) and the cells attached to a turn (see docs/protocol.md).
 */

import type * as nbformat from '@jupyterlab/nbformat';

/** One notebook cell as the model sees it. */
export interface IContextCell {
  id: string;
  type: 'code' | 'markdown' | 'raw';
  source: string;
  executionCount?: number | null;
  /** Compacted outputs; images as text placeholders. */
  outputs?: nbformat.IOutput[];
}

/** What a silent inspection of a Python kernel reports. */
export interface IKernelState {
  python?: string;
  packages?: Record<string, string>;
  variables?: Array<Record<string, unknown>>;
  truncated?: boolean;
}

/** The kernel part of a turn's context. */
export interface IKernelContext {
  language: string;
  state: IKernelState | null;
  error?: string | null;
}

/** The notebook as a turn starts. */
export interface INotebookContext {
  cells: IContextCell[];
  activeIndex: number;
  kernel: IKernelContext | null;
}

/** A notebook cell attached to a turn (Fix, Explain, Ask about cells). */
export interface IAttachedCell {
  id: string;
  /** Position in the notebook (0-based). */
  index: number;
  source: string;
  /** Compacted like execute results; errors keep their full traceback. */
  outputs: nbformat.IOutput[];
}

/** An attached cell as `turn_started` echoes it. */
export type IAttachedCellRef = Pick<IAttachedCell, 'id' | 'index'>;
