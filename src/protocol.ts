/**
 * Wire frames exchanged with the server over `/code-interp/chat`
 * (see docs/protocol.md, which is authoritative).
 */

import type * as nbformat from '@jupyterlab/nbformat';

import type {
  IModelInfo,
  IProviderStatus,
  ITurnUsage
} from './providers/types';

/** Why a turn ended. */
export type TurnEndReason = 'done' | 'max_steps' | 'error' | 'stopped';

/** Outcome of one executed step. */
export type StepStatus = 'ok' | 'error' | 'aborted';

/** Client → server: start a turn in a notebook's conversation. */
export interface ITurnFrame {
  type: 'turn';
  turnId: string;
  notebook: string;
  instruction: string;
  /** Provider of `model` (absent: the server finds the model, or picks both). */
  provider?: string;
  model?: string;
  maxSteps?: number;
  outputLimit?: number;
  /** Attached files, relative to the server root. */
  attachments?: string[];
}

/** What the panel reports after running a cell. */
export interface IExecutionResult {
  outputs: nbformat.IOutput[];
  executionCount: number | null;
  cellId: string;
  cellIndex: number;
}

/** Client → server: answer to an `execute_request`. */
export type IExecuteResultFrame =
  | { type: 'execute_result'; requestId: string; result: IExecutionResult }
  | { type: 'execute_result'; requestId: string; error: string };

/** Client → server: cancel a running turn. */
export interface IStopFrame {
  type: 'stop';
  turnId: string;
}

/** Client → server: forget a notebook's conversation. */
export interface IResetFrame {
  type: 'reset';
  notebook: string;
}

/** Any frame the client sends. */
export type ClientFrame =
  ITurnFrame | IExecuteResultFrame | IStopFrame | IResetFrame;

/** Server → client: the turn runs. */
export interface ITurnStartedFrame {
  type: 'turn_started';
  turnId: string;
  notebook: string;
  provider?: string;
  model: string;
}

/** Server → client: a piece of the model's markdown answer. */
export interface ITextFrame {
  type: 'text';
  turnId: string;
  delta: string;
}

/** Server → client: the model asked to run this code. */
export interface IStepStartedFrame {
  type: 'step_started';
  turnId: string;
  step: number;
  code: string;
}

/** Server → client: insert this code as a new cell and run it. */
export interface IExecuteRequestFrame {
  type: 'execute_request';
  turnId: string;
  requestId: string;
  step: number;
  code: string;
}

/** Server → client: result of a step. */
export interface IStepFinishedFrame {
  type: 'step_finished';
  turnId: string;
  step: number;
  status: StepStatus;
  ename?: string;
  evalue?: string;
  executionCount?: number | null;
  cellId?: string | null;
  cellIndex?: number | null;
}

/** A file a step created or changed, or the answer pointed at. */
export interface IFileCard {
  /** Path relative to the server root. */
  path: string;
  name: string;
  size: number;
  mime: string;
}

/** Server → client: files a step produced (`step` null: named in the answer). */
export interface IFilesFrame {
  type: 'files';
  turnId: string;
  step: number | null;
  files: IFileCard[];
}

/** Server → client: the turn is over. */
export interface ITurnFinishedFrame {
  type: 'turn_finished';
  turnId: string;
  reason: TurnEndReason;
  message?: string | null;
  /** Tokens (and cost) the turn used. */
  usage?: ITurnUsage | null;
}

/** Server → client: a bad frame or a refused request. */
export interface IErrorFrame {
  type: 'error';
  message: string;
  turnId?: string | null;
}

/** Any frame the server sends. */
export type ServerFrame =
  | ITurnStartedFrame
  | ITextFrame
  | IStepStartedFrame
  | IExecuteRequestFrame
  | IStepFinishedFrame
  | IFilesFrame
  | ITurnFinishedFrame
  | IErrorFrame;

/** Response of `GET /code-interp/status`. */
export interface IServerStatus {
  ready: boolean;
  problem: string | null;
  /** Models of the usable providers (each names its `provider`). */
  models: Array<Pick<IModelInfo, 'id' | 'toolMode'> & Partial<IModelInfo>>;
  defaultModel: string | null;
  /** Provider of `defaultModel`. */
  defaultProvider?: string | null;
  /** Every provider with its models (unusable ones with their problem). */
  providers?: IProviderStatus[];
  baseUrl: string | null;
  maxSteps: number;
  outputLimit: number;
}

const SERVER_FRAME_TYPES = new Set([
  'turn_started',
  'text',
  'step_started',
  'execute_request',
  'step_finished',
  'files',
  'turn_finished',
  'error'
]);

/** Parse one incoming message; `null` when it is not a known server frame. */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !SERVER_FRAME_TYPES.has((value as { type?: unknown }).type as string)
  ) {
    return null;
  }
  return value as ServerFrame;
}
