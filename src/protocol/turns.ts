/**
 * Wire frames of a turn and its steps: the instruction, the streamed answer,
 * the code steps and their results, plans, questions and the turn's end
 * (see docs/protocol.md).
 */

import type * as nbformat from '@jupyterlab/nbformat';

import type { ITurnUsage } from '../providers/types';
import type {
  IAttachedCell,
  IAttachedCellRef,
  INotebookContext
} from './context';
import type { NotebookAction } from './notebookActions';

/** Why a turn ended. */
export type TurnEndReason =
  'done' | 'max_steps' | 'error' | 'stopped' | 'gave_up' | 'question';

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
  /** The notebook and kernel as the turn starts (see docs/protocol.md). */
  context?: INotebookContext;
  /** Automatic fix attempts per failure (0–10). */
  maxFixAttempts?: number;
  /** Ask once for computed figures when a turn about files ends without code. */
  computeFigures?: boolean;
  /** The notebook's kernel: interrupted by the server if the socket closes mid-cell. */
  kernelId?: string;
  /** The panel's language for the server's messages (default: the socket's). */
  locale?: string;
  /** Notebook cells the instruction is about (Fix, Explain, Ask about cells). */
  attachedCells?: IAttachedCell[];
  /** Apply the model's edits of cells without review (deletions are still reviewed). */
  trustEdits?: boolean;
}

/** Client → server: cancel a running turn. */
export interface IStopFrame {
  type: 'stop';
  turnId: string;
}

/** What the panel reports after running a cell. */
export interface IExecutionResult {
  outputs: nbformat.IOutput[];
  executionCount: number | null;
  cellId: string;
  cellIndex: number;
  /** The user chose Skip (auto-run off): the cell did not run. */
  skipped?: boolean;
  /** The code as it ran, when the user edited it before Run. */
  code?: string;
}

/** Client → server: answer to an `execute_request`. */
export type IExecuteResultFrame =
  | { type: 'execute_result'; requestId: string; result: IExecutionResult }
  | { type: 'execute_result'; requestId: string; error: string };

/** Server → client: the turn runs. */
export interface ITurnStartedFrame {
  type: 'turn_started';
  turnId: string;
  notebook: string;
  provider?: string;
  model: string;
  /** The instruction, as the user wrote it (for replays). */
  instruction?: string;
  /** Attached files (for replays). */
  attachments?: string[];
  /** Attached cells (for replays: the chips). */
  attachedCells?: IAttachedCellRef[];
  /** The rules added to the system prompt for this turn. */
  rules?: IRuleSource[];
}

/** Server → client: a piece of the model's markdown answer. */
export interface ITextFrame {
  type: 'text';
  turnId: string;
  delta: string;
}

/**
 * Server → client: a piece of the model's reasoning, shown apart from the
 * answer and never run. The frame with `seconds` ends a run of reasoning (how
 * long the model thought before it answered or called a tool).
 */
export interface IReasoningFrame {
  type: 'reasoning';
  turnId: string;
  delta: string;
  seconds?: number;
}

/** Server → client: the model asked to run this code. */
export interface IStepStartedFrame {
  type: 'step_started';
  turnId: string;
  step: number;
  code: string;
  /** The step re-runs this cell of the turn with new code. */
  replaceCellId?: string | null;
  /** Set when the step is an automatic fix attempt. */
  attempt?: { number: number; of: number } | null;
  /** What the step does (absent: `run_code`). */
  action?: 'run_code' | NotebookAction;
  /** The existing cell the step acts on. */
  cellId?: string | null;
  /** The existing cells the step runs (`run`). */
  cellIds?: string[] | null;
}

/** Server → client: insert this code as a new cell and run it. */
export interface IExecuteRequestFrame {
  type: 'execute_request';
  turnId: string;
  requestId: string;
  step: number;
  code: string;
  /** Replace this cell's code (a cell the turn inserted) and re-run it. */
  replaceCellId?: string | null;
  /** The id to give the new cell (the server records it for Undo). */
  cellId?: string | null;
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
  /** Thumbnails of the step's images (base64). */
  images?: Array<{ mime: string; data: string }>;
  /** The user chose Skip (auto-run off): the cell was not run. */
  skipped?: boolean;
  /** The user rejected the step's change (review). */
  rejected?: boolean;
}

/** Server → client: the turn is over. */
export interface ITurnFinishedFrame {
  type: 'turn_finished';
  turnId: string;
  reason: TurnEndReason;
  message?: string | null;
  /** Tokens (and cost) the turn used. */
  usage?: ITurnUsage | null;
  /** The model (set to `auto`) answered with code blocks and is now run that way. */
  toolModeLearned?: boolean;
}

/** Server → client: a bad frame or a refused request. */
export interface IErrorFrame {
  type: 'error';
  message: string;
  turnId?: string | null;
}

/** A source of rules in the system prompt of a turn. */
export interface IRuleSource {
  source: 'agents' | 'config';
  /** The AGENTS.md file, relative to the server root. */
  path?: string;
  chars: number;
  truncated: boolean;
}

/** One item of the model's plan. */
export interface IPlanItem {
  text: string;
  done: boolean;
}

/** Server → client: the model's whole checklist (each frame replaces the last). */
export interface IPlanFrame {
  type: 'plan';
  turnId: string;
  items: IPlanItem[];
}

/** Server → client: the model asks the user; the turn then ends with reason `question`. */
export interface IQuestionFrame {
  type: 'question';
  turnId: string;
  question: string;
  choices: string[];
}
