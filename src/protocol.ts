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

/** What a notebook action does to a cell. */
export type NotebookAction = 'edit' | 'run' | 'read' | 'markdown' | 'delete';

/** Server → client: act on existing cells of the turn's notebook. */
export interface INotebookActionFrame {
  type: 'notebook_request';
  /** The turn asking. */
  turnId: string;
  /** Echoed by the `notebook_result`. */
  requestId: string;
  /** The step this action is (its entry in the panel). */
  step: number;
  /** What to do. */
  action: NotebookAction;
  /** The cell acted on (`markdown`: the new cell's id). */
  cellId?: string;
  /** The cells to run, in order (`run`). */
  cellIds?: string[];
  /** The new source (`edit`, `markdown`). */
  source?: string;
  /** Run the edited cell (`edit`). */
  run?: boolean;
  /** Wait for the user's Accept or Reject before applying (`edit`, `delete`). */
  review?: boolean;
  /** Insert the Markdown cell after this cell (`markdown`). */
  afterCellId?: string | null;
}

/** A cell as it was before an edit or deletion: what Undo restores. */
export interface ICellBefore {
  /** The cell's type. */
  cellType: 'code' | 'markdown' | 'raw';
  /** Its source. */
  source: string;
  /** Its outputs, as saved (none for Markdown and raw cells). */
  outputs: nbformat.IOutput[];
  /** Its prompt's number. */
  executionCount: number | null;
  /** Its index (0-based). */
  index: number;
}

/** One cell a `run` action ran. */
export interface ICellRun {
  /** The cell that ran. */
  cellId: string;
  /** Its index (0-based). */
  cellIndex: number;
  /** Its outputs, compacted like execute results. */
  outputs: nbformat.IOutput[];
  /** Its prompt's number. */
  executionCount: number | null;
}

/** What the panel reports after a notebook action. */
export interface INotebookActionResult {
  /** The cell acted on (`run`: the last that ran; `markdown`: the new one). */
  cellId: string;
  /** Its index (0-based). */
  cellIndex: number;
  /** A reviewed change: whether the user accepted it. */
  accepted?: boolean;
  /** What the user typed with Reject. */
  comment?: string;
  /** The cell before an applied edit or deletion. */
  before?: ICellBefore;
  /** The cell's outputs (edit with run, run: compacted; read: in full). */
  outputs?: nbformat.IOutput[];
  /** The cell's prompt number after it ran (or as it is, for read). */
  executionCount?: number | null;
  /** The cells a `run` ran, in order. */
  runs?: ICellRun[];
}

/** Client → server: answer to a `notebook_request`. */
export type INotebookResultFrame =
  | {
      type: 'notebook_result';
      requestId: string;
      result: INotebookActionResult;
    }
  | { type: 'notebook_result'; requestId: string; error: string };

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

/** Client → server: frames naming only a notebook. */
export interface INotebookRequestFrame {
  type: 'history' | 'conversations' | 'new_conversation';
  notebook: string;
}

/** Client → server: open or delete one of a notebook's conversations. */
export interface IConversationRequestFrame {
  type: 'open_conversation' | 'delete_conversation';
  notebook: string;
  conversationId: string;
}

/** Client → server: undo the last finished turn of the current conversation. */
export interface IUndoFrame {
  type: 'undo';
  notebook: string;
  turnId: string;
}

/** Any frame the client sends. */
export type ClientFrame =
  | ITurnFrame
  | IExecuteResultFrame
  | INotebookResultFrame
  | IStopFrame
  | IResetFrame
  | INotebookRequestFrame
  | IConversationRequestFrame
  | IUndoFrame;

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
  /** The model (set to `auto`) answered with code blocks and is now run that way. */
  toolModeLearned?: boolean;
}

/** Server → client: a bad frame or a refused request. */
export interface IErrorFrame {
  type: 'error';
  message: string;
  turnId?: string | null;
}

/** A finished or running turn as stored on the server. */
export interface ITurnRecord {
  turnId: string;
  instruction: string;
  attachments: string[];
  provider: string | null;
  model: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Server frames of the turn (no execute_request; text deltas merged). */
  events: ServerFrame[];
  reason: TurnEndReason | null;
  message: string | null;
  usage: ITurnUsage | null;
  undoable: boolean;
}

/** Server → client: a notebook's current conversation. */
export interface IHistoryFrame {
  type: 'history';
  notebook: string;
  conversationId: string;
  title: string;
  turns: ITurnRecord[];
  runningTurnId: string | null;
}

/** One stored conversation of a notebook. */
export interface IConversationSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  turns: number;
}

/** Server → client: a notebook's conversations, newest first. */
export interface IConversationsFrame {
  type: 'conversations';
  notebook: string;
  currentId: string;
  items: IConversationSummary[];
}

/** A cell an undone turn changed: restore it as it was. */
export interface IRestoreCell {
  /** The cell. */
  cellId: string;
  /** What the turn did to it. */
  action: 'edit' | 'delete';
  /** The cell as it was before. */
  before: ICellBefore;
}

/** Server → client: a turn was undone; delete these cells, restore those. */
export interface IUndoneFrame {
  type: 'undone';
  notebook: string;
  turnId: string;
  removeCellIds: string[];
  /** Edited and deleted cells to restore, newest change first. */
  restoreCells?: IRestoreCell[];
}

/** Any frame the server sends. */
export type ServerFrame =
  | ITurnStartedFrame
  | ITextFrame
  | IReasoningFrame
  | IStepStartedFrame
  | IExecuteRequestFrame
  | INotebookActionFrame
  | IStepFinishedFrame
  | IFilesFrame
  | ITurnFinishedFrame
  | IErrorFrame
  | IHistoryFrame
  | IConversationsFrame
  | IUndoneFrame
  | IPlanFrame
  | IQuestionFrame;

// Issue 15, panel entry points: attached cells, plans, questions, rules.

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

/** A source of rules in the system prompt of a turn. */
export interface IRuleSource {
  source: 'agents' | 'config';
  /** The AGENTS.md file, relative to the server root. */
  path?: string;
  chars: number;
  truncated: boolean;
}

/** Response of `GET /code-interp/status`. */
export interface IServerStatus {
  ready: boolean;
  problem: string | null;
  /** Models of the usable providers (each names its `provider`). */
  models: Array<Pick<IModelInfo, 'id' | 'toolMode'> & Partial<IModelInfo>>;
  defaultModel: string | null;
  /** Provider of `defaultModel`. */
  defaultProvider?: string | null;
  /** What is wrong with the configured default model (e.g. the endpoint does not list it). */
  defaultModelProblem?: string | null;
  /** Every provider with its models (unusable ones with their problem). */
  providers?: IProviderStatus[];
  baseUrl: string | null;
  maxSteps: number;
  outputLimit: number;
}

const SERVER_FRAME_TYPES = new Set([
  'turn_started',
  'text',
  'reasoning',
  'step_started',
  'execute_request',
  'notebook_request',
  'step_finished',
  'files',
  'turn_finished',
  'error',
  'history',
  'conversations',
  'undone',
  'plan',
  'question'
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
