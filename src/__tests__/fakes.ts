/**
 * The test fakes shared by the specs: socket and server settings, kernel,
 * notebook panels, notebook executor, controller, providers client, Contents
 * API, and ready-made server status, step and panel props.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import {
  Notebook,
  NotebookModel,
  type NotebookPanel
} from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import {
  type Contents,
  type Kernel,
  type KernelMessage,
  ServerConnection
} from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import type { IPanelViewProps } from '../components/Panel';
import { CodeInterpreterController, ITurnSettings } from '../controller';
import { emptyConversation, type IStepEntry } from '../conversation';
import type {
  IExecuteOptions,
  INotebookActionOptions,
  INotebookExecutor,
  ITurnPlacement
} from '../notebook/tokens';
import type {
  IExecutionResult,
  INotebookActionFrame,
  INotebookActionResult,
  INotebookContext,
  IRestoreCell,
  IServerStatus
} from '../protocol';
import type { IProvidersClient } from '../providers/client';
import type {
  IConnectionResult,
  IProviderListing,
  IProviderUpdate,
  IProviderView
} from '../providers/types';
import type { IUploadContents } from '../files/upload';
import { ChatSocket } from '../socket';
import { ConversationStore } from '../store';

/** A WebSocket stand-in driven by the test. */
export class FakeWebSocket {
  /** Every socket made since the test reset the list. */
  static instances: FakeWebSocket[] = [];

  /** A socket to `url`; the test opens it. */
  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  /** The socket made last. */
  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  /** Record a frame the client sends. */
  send(data: string): void {
    this.sent.push(data);
  }

  /** The client closes the socket. */
  close(): void {
    this.closed = true;
  }

  /** The server accepts the connection. */
  open(): void {
    this.onopen?.({});
  }

  /** The server sends a frame (or raw text). */
  receive(frame: unknown): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.onmessage?.({ data });
  }

  /** The connection drops. */
  drop(): void {
    this.onclose?.({ code: 1006 });
  }

  /** Frames the client sent, parsed. */
  get frames(): any[] {
    return this.sent.map(s => JSON.parse(s));
  }

  url: string;
  sent: string[] = [];
  closed = false;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
}

/** Server settings that build FakeWebSockets. */
export function fakeSettings(
  token = 'secret-token',
  appendToken = true
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/base/',
    wsUrl: 'ws://localhost:8888/base/',
    token,
    appendToken,
    WebSocket: FakeWebSocket as unknown as typeof WebSocket
  });
}

/** Let pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/** A server status that is ready, with one model. */
export const READY_STATUS: IServerStatus = {
  ready: true,
  problem: null,
  models: [{ id: 'm', toolMode: 'auto' }],
  defaultModel: 'm',
  baseUrl: null,
  maxSteps: 10,
  outputLimit: 4000
};

/**
 * Enough of a kernel connection for the setup, the inspector, the warm-up
 * and the executor: it records its requests and answers them at once.
 */
export class FakeKernel {
  /** A kernel of this language, idle. */
  constructor(language = 'python') {
    this.info = Promise.resolve({
      language_info: { name: language }
    } as KernelMessage.IInfoReplyMsg['content']);
  }

  info: Promise<KernelMessage.IInfoReplyMsg['content']>;
  isDisposed = false;
  status: Kernel.Status = 'idle';
  statusChanged = new Signal<this, Kernel.Status>(this);
  interrupt = jest.fn(async () => undefined);
  requests: KernelMessage.IExecuteRequestMsg['content'][] = [];
  /** What the `state` user expression evaluates to. */
  answer: unknown = {
    status: 'ok',
    data: {
      'text/plain': '{"python": "3.11.4", "variables": [{"name": "df"}]}'
    },
    metadata: {}
  };
  /** A busy kernel never answers. */
  busy = false;
  /** Requests fail (their future is cancelled). */
  fail = false;

  /** Record a request and answer it (see `answer`, `busy` and `fail`). */
  requestExecute(content: KernelMessage.IExecuteRequestMsg['content']) {
    this.requests.push(content);
    if (this.fail) {
      return { done: Promise.reject(new Error('Canceled future')) };
    }
    const reply = {
      content: {
        status: 'ok',
        user_expressions: content.user_expressions?.state
          ? { state: this.answer }
          : {}
      }
    };
    return {
      done: this.busy ? new Promise(() => undefined) : Promise.resolve(reply)
    };
  }

  /** The requests in short: their code, or `? expression` for an evaluation. */
  get ran(): string[] {
    return this.requests.map(request => {
      const expression = request.user_expressions?.state;
      return expression ? `? ${expression}` : request.code;
    });
  }

  /** This fake as the kernel connection it stands for. */
  get connection(): Kernel.IKernelConnection {
    return this as unknown as Kernel.IKernelConnection;
  }
}

/** A notebook widget with these cells (a string is a code cell), one active. */
export function makeNotebook(
  cells: Array<string | nbformat.ICell>,
  activeIndex = 0
): Notebook {
  const notebook = NBTestUtils.createNotebook();
  const model = new NotebookModel();
  model.fromJSON({
    cells: cells.map(cell =>
      typeof cell === 'string'
        ? {
            cell_type: 'code',
            source: cell,
            metadata: {},
            outputs: [],
            execution_count: null
          }
        : cell
    ),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  });
  notebook.model = model;
  notebook.activeCellIndex = activeIndex;
  return notebook;
}

/** Options of `makePanel`. */
export interface IFakePanelOptions {
  /** The notebook (default: an empty one). */
  notebook?: Notebook;
  /** Its kernel (default: an idle Python kernel). */
  kernel?: FakeKernel;
  /** Its path (default `a.ipynb`). */
  path?: string;
}

/**
 * Enough of a NotebookPanel for the executor, the context and the warm-up;
 * `setStatus` changes the kernel's status the way JupyterLab's session
 * forwards it, `disposed` closes the panel.
 */
export function makePanel(options: IFakePanelOptions = {}) {
  const kernel = options.kernel ?? new FakeKernel();
  const sessionContext = {
    ready: Promise.resolve(),
    isDisposed: false,
    statusChanged: new Signal<unknown, Kernel.Status>({}),
    session: { kernel: kernel.connection }
  };
  const disposed = new Signal<unknown, void>({});
  /** Saves through the document context, counted (`saved()`). */
  const context = {
    path: options.path ?? 'a.ipynb',
    isReady: true,
    saves: 0,
    save: async () => {
      context.saves += 1;
    }
  };
  const panel = {
    content: options.notebook ?? NBTestUtils.createNotebook(),
    context,
    isDisposed: false,
    isVisible: false,
    disposed,
    sessionContext
  } as unknown as NotebookPanel;
  const setStatus = (status: Kernel.Status) => {
    kernel.status = status;
    kernel.statusChanged.emit(status);
    sessionContext.statusChanged.emit(status);
  };
  const saved = () => context.saves;
  return { panel, kernel, setStatus, disposed, saved };
}

/** A notebook panel that only has a path (all the controller reads of it). */
export function pathPanel(path: string): NotebookPanel {
  return { context: { path } } as unknown as NotebookPanel;
}

/** The context `FakeExecutor` gathers unless told otherwise. */
export const FAKE_CONTEXT: INotebookContext = {
  cells: [{ id: 'c0', type: 'code', source: 'df = 1', outputs: [] }],
  activeIndex: 0,
  kernel: { language: 'python', state: { variables: [{ name: 'df' }] } }
};

/** A notebook executor that records its calls; the test settles executions. */
export class FakeExecutor implements INotebookExecutor {
  begun: [string, NotebookPanel][] = [];
  calls: { turnId: string; code: string; options: IExecuteOptions }[] = [];
  pending: PromiseDelegate<IExecutionResult>[] = [];
  interrupted: string[] = [];
  ended: string[] = [];
  removed: [NotebookPanel | string, readonly string[]][] = [];
  /** What `notebookContext` resolves with (null: it never resolves). */
  context: INotebookContext | null = FAKE_CONTEXT;

  /** Where each begun turn was told its conversation wrote before. */
  placements: ITurnPlacement[] = [];

  /** Record the turn. */
  beginTurn(
    turnId: string,
    panel: NotebookPanel,
    placement: ITurnPlacement = {}
  ): void {
    this.begun.push([turnId, panel]);
    this.placements.push(placement);
  }

  /** Record the call; it settles when the test settles `pending`. */
  execute(
    turnId: string,
    code: string,
    options: IExecuteOptions
  ): Promise<IExecutionResult> {
    this.calls.push({ turnId, code, options });
    const delegate = new PromiseDelegate<IExecutionResult>();
    this.pending.push(delegate);
    return delegate.promise;
  }

  /** Record the interruption. */
  async interrupt(turnId: string): Promise<void> {
    this.interrupted.push(turnId);
  }

  /** Record the end of the turn. */
  endTurn(turnId: string): void {
    this.ended.push(turnId);
  }

  /** No cells: nothing is inserted. */
  insertedCells(): string[] {
    return [];
  }

  /** Actions asked for, with their options; they settle when the test settles `acting`. */
  acts: {
    turnId: string;
    frame: INotebookActionFrame;
    options: INotebookActionOptions;
  }[] = [];
  acting: PromiseDelegate<INotebookActionResult>[] = [];
  /** Cells each undo restored. */
  restored: [NotebookPanel | string, readonly IRestoreCell[]][] = [];

  /** Record the action; it settles when the test settles `acting`. */
  act(
    turnId: string,
    frame: INotebookActionFrame,
    options: INotebookActionOptions
  ): Promise<INotebookActionResult> {
    this.acts.push({ turnId, frame, options });
    const delegate = new PromiseDelegate<INotebookActionResult>();
    this.acting.push(delegate);
    return delegate.promise;
  }

  /** Record the undo (its removal in `removed` too); every cell counts. */
  undoCells(
    notebook: NotebookPanel | string,
    removeCellIds: readonly string[],
    restore: readonly IRestoreCell[]
  ): { removed: number; restored: number } {
    this.removed.push([notebook, removeCellIds]);
    this.restored.push([notebook, restore]);
    return { removed: removeCellIds.length, restored: restore.length };
  }

  /** Record the removal; every cell counts as removed. */
  removeCells(
    notebook: NotebookPanel | string,
    cellIds: readonly string[]
  ): number {
    this.removed.push([notebook, cellIds]);
    return cellIds.length;
  }

  /** Resolve with `context` (never, when it is null). */
  notebookContext(): Promise<INotebookContext> {
    return this.context
      ? Promise.resolve(this.context)
      : new Promise(() => undefined);
  }
}

/** The user settings of a `fakeController`'s turns unless a test changes them. */
export const TEST_TURN_SETTINGS: ITurnSettings = {
  maxSteps: 7,
  outputLimit: 1234,
  defaultModel: '',
  autoRun: true,
  maxFixAttempts: 3,
  computeFigures: false
};

/** A controller over a FakeWebSocket, a new store and a FakeExecutor. */
export interface IFakeController {
  controller: CodeInterpreterController;
  /** The user settings its turns read (unless `settings` was given). */
  settings: ITurnSettings;
  socket: ChatSocket;
  store: ConversationStore;
  executor: FakeExecutor;
  /** Connect and let the server accept: the socket of the connection. */
  open(): FakeWebSocket;
  /** Detach the controller and close the socket. */
  dispose(): void;
}

/** A controller as the panel plugin makes it, with fakes around it. */
export function fakeController(
  options: Partial<
    Omit<CodeInterpreterController.IOptions, 'socket' | 'executor'>
  > = {}
): IFakeController {
  FakeWebSocket.instances = [];
  const socket = new ChatSocket({ serverSettings: fakeSettings() });
  const store = options.store ?? new ConversationStore();
  const executor = new FakeExecutor();
  const controller = new CodeInterpreterController({
    settings: () => fake.settings,
    ...options,
    socket,
    store,
    executor
  });
  const fake: IFakeController = {
    controller,
    settings: { ...TEST_TURN_SETTINGS },
    socket,
    store,
    executor,
    open: () => {
      controller.connect();
      const ws = FakeWebSocket.last;
      ws.open();
      return ws;
    },
    dispose: () => {
      controller.dispose();
      socket.dispose();
    }
  };
  return fake;
}

/** A step entry (running, in cell [3]) with these changes. */
export function stepEntry(change: Partial<IStepEntry> = {}): IStepEntry {
  return {
    kind: 'step',
    id: 't:1',
    turnId: 't',
    step: 1,
    code: 'plot()',
    status: 'running',
    ename: null,
    evalue: null,
    executionCount: null,
    cellId: 'c1',
    cellIndex: 2,
    ...change
  };
}

/** Props of a ready panel showing the empty conversation of `path`. */
export function panelViewProps(
  trans: TranslationBundle,
  path = 'a.ipynb'
): IPanelViewProps {
  return {
    trans,
    rendermime: {} as IRenderMimeRegistry,
    notebook: { path, name: path },
    conversation: emptyConversation(path),
    status: { loading: false, status: READY_STATUS, fetchError: null },
    connection: 'connected',
    globalError: null,
    onSend: () => true,
    onStop: () => undefined,
    onReset: () => undefined,
    onRetry: () => undefined,
    onCreateNotebook: () => undefined,
    onShowCell: () => undefined,
    onDismissError: () => undefined
  };
}

/** A provider as the settings dialog lists it, with these changes. */
export function providerView(change: Partial<IProviderView>): IProviderView {
  return {
    name: 'p',
    label: 'P',
    preset: 'custom',
    source: 'config',
    editable: false,
    baseUrl: 'http://127.0.0.1:9/v1',
    apiVersion: null,
    apiKeyEnv: null,
    needsKey: true,
    keySet: false,
    keySource: null,
    fetchModels: false,
    currency: 'USD',
    ready: true,
    problem: null,
    configuredModels: [],
    models: [],
    modelsError: null,
    ...change
  };
}

/**
 * A providers REST client over an in-memory listing: OpenAI with a key,
 * DeepSeek without one, and the DeepSeek and Azure presets.
 */
export class FakeProvidersClient implements IProvidersClient {
  listing: IProviderListing = {
    providers: [
      providerView({
        name: 'default',
        label: 'OpenAI',
        keySet: true,
        keySource: 'config'
      }),
      providerView({
        name: 'deepseek',
        label: 'DeepSeek',
        source: 'settings',
        editable: true,
        apiKeyEnv: 'DEEPSEEK_API_KEY',
        ready: false,
        problem: "Provider 'deepseek' has no API key"
      })
    ],
    presets: [
      {
        id: 'deepseek',
        label: 'DeepSeek',
        baseUrl: 'https://api.deepseek.com/v1',
        keyEnv: 'DEEPSEEK_API_KEY',
        needsKey: true,
        models: ['deepseek-chat'],
        fetchModels: true,
        azure: false,
        apiVersion: null,
        local: false,
        note: ''
      },
      {
        id: 'azure',
        label: 'Azure OpenAI',
        baseUrl: null,
        keyEnv: 'AZURE_OPENAI_API_KEY',
        needsKey: true,
        models: [],
        fetchModels: false,
        azure: true,
        apiVersion: '2024-10-21',
        local: false,
        note: 'Base URL: your resource endpoint'
      }
    ],
    storeProblem: null,
    configErrors: []
  };
  saved: Array<[string, IProviderUpdate]> = [];
  /** What a connection test answers. */
  result: IConnectionResult = {
    status: 'rate_limited',
    message: 'Rate limited by the provider (429): slow down. Retry after 7 s.',
    retryAfter: 7
  };
  /** When set, saving fails with this message. */
  failSave: string | null = null;

  /** The listing. */
  async list(): Promise<IProviderListing> {
    return this.listing;
  }

  /** Record the update; a new key makes its provider ready. */
  async save(name: string, update: IProviderUpdate): Promise<IProviderView> {
    if (this.failSave) {
      throw new Error(this.failSave);
    }
    this.saved.push([name, update]);
    this.listing = {
      ...this.listing,
      providers: this.listing.providers.map(p =>
        p.name === name && update.apiKey
          ? { ...p, keySet: true, keySource: 'settings', ready: true }
          : p
      )
    };
    return this.listing.providers[0];
  }

  /** Nothing to remove. */
  async remove(): Promise<void> {
    return;
  }

  /** Answer with `result`. */
  async test(): Promise<IConnectionResult> {
    return this.result;
  }

  /** The models whose learned mode was reset, as [provider, model]. */
  resets: Array<[string, string]> = [];

  /** Record the reset. */
  async resetMode(name: string, model: string): Promise<IProviderView> {
    this.resets.push([name, model]);
    return this.listing.providers[0];
  }
}

/**
 * A Contents API stand-in: files as binary strings by path, recording every
 * save and every `get`. Listings carry sizes; with `hashOf` set, `get(…,
 * {hash: true})` answers `hashOf(bytes)` as jupyter_server ≥ 2.11 answers a
 * sha256 (jsdom has no Web Crypto: a test pairs it with a matching digest).
 */
export class FakeContents implements IUploadContents {
  files = new Map<string, string>();
  directories = new Set<string>(['']);
  saves: { path: string; options: Partial<Contents.IModel> }[] = [];
  gets: { path: string; options: Contents.IFetchOptions }[] = [];
  /** The server's hash of a file's bytes (null: an older server without hashes). */
  hashOf: ((bytes: string) => string) | null = null;

  async get(
    path: string,
    options: Contents.IFetchOptions = {}
  ): Promise<Contents.IModel> {
    this.gets.push({ path, options });
    if (this.directories.has(path)) {
      const prefix = path ? `${path}/` : '';
      const names = [...this.files.keys(), ...this.directories]
        .filter(item => item.startsWith(prefix) && item !== path)
        .map(item => item.slice(prefix.length))
        .filter(item => item && !item.includes('/'));
      return {
        type: 'directory',
        path,
        content: names.map(name => ({
          name,
          size: this.files.get(prefix + name)?.length ?? null
        }))
      } as unknown as Contents.IModel;
    }
    const bytes = this.files.get(path);
    if (bytes === undefined) {
      throw new Error(`404 ${path}`);
    }
    const hash =
      options.hash && this.hashOf
        ? { hash: this.hashOf(bytes), hash_algorithm: 'sha256' }
        : {};
    return {
      type: 'file',
      path,
      size: bytes.length,
      ...hash,
      ...(options.content && options.format === 'base64'
        ? { content: btoa(bytes), format: 'base64' }
        : {})
    } as unknown as Contents.IModel;
  }

  async save(
    path: string,
    options: Partial<Contents.IModel> = {}
  ): Promise<Contents.IModel> {
    this.saves.push({ path, options });
    if (options.type === 'directory') {
      this.directories.add(path);
    } else if (options.format === 'text') {
      this.files.set(path, String(options.content));
    } else {
      const before =
        options.chunk && options.chunk !== 1 ? this.files.get(path) : '';
      this.files.set(path, (before ?? '') + atob(String(options.content)));
    }
    return { path, name: path.split('/').pop() } as unknown as Contents.IModel;
  }
}
