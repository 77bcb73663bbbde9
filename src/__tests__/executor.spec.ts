import type { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { Notebook } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';

import { NotebookExecutor } from '../notebook/executor';
import type { ApprovalDecision } from '../notebook/tokens';
import { flush, makeNotebook, makePanel } from './fakes';

function sources(notebook: Notebook): string[] {
  return notebook.model!.sharedModel.cells.map(cell => cell.getSource());
}

describe('NotebookExecutor', () => {
  let ran: string[];
  let executor: NotebookExecutor;

  /** Runs a cell like a kernel would: `1 / 0` raises, anything else prints. */
  async function runCell(cell: CodeCell) {
    const source = cell.model.sharedModel.getSource();
    ran.push(source);
    cell.model.outputs.clear();
    const failed = source.includes('1 / 0');
    const output: nbformat.IOutput = failed
      ? {
          output_type: 'error',
          ename: 'ZeroDivisionError',
          evalue: 'division by zero',
          traceback: []
        }
      : { output_type: 'stream', name: 'stdout', text: `ran ${source}\n` };
    cell.model.outputs.add(output);
    cell.model.executionCount = ran.length;
    return {
      content: { status: failed ? 'error' : 'ok' }
    } as unknown as KernelMessage.IExecuteReplyMsg;
  }

  beforeEach(() => {
    ran = [];
    // yjs warns about reading cells of a document that is not attached yet.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    executor = new NotebookExecutor({ runCell });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('inserts after the conversation’s last cell, runs it and remembers the cells the turn inserted', async () => {
    const notebook = makeNotebook(['base = 6', 'tail']);
    const { panel } = makePanel({ notebook });
    const base = notebook.model!.cells.get(0).id;
    executor.beginTurn('t1', panel, { written: [base] });
    const inserted: Array<[string, number]> = [];
    const first = await executor.execute('t1', 'x = 1', {
      outputLimit: 1000,
      onInserted: (id, index) => inserted.push([id, index])
    });
    const second = await executor.execute('t1', 'y = 2', { outputLimit: 1000 });
    expect(sources(notebook)).toEqual(['base = 6', 'x = 1', 'y = 2', 'tail']);
    expect(inserted).toEqual([[first.cellId, 1]]);
    expect(first).toEqual({
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'ran x = 1\n' }],
      executionCount: 1,
      cellId: first.cellId,
      cellIndex: 1
    });
    expect(second.cellIndex).toBe(2);
    expect(executor.insertedCells('t1')).toEqual([first.cellId, second.cellId]);
  });

  it('replaces the code of a cell the turn inserted and re-runs it in place', async () => {
    const notebook = makeNotebook(['base = 6']);
    const { panel } = makePanel({ notebook });
    executor.beginTurn('t1', panel);
    const failed = await executor.execute('t1', 'print(1 / 0)', {
      outputLimit: 1000
    });
    expect(failed.outputs[0]).toMatchObject({ ename: 'ZeroDivisionError' });
    const inserted: Array<[string, number]> = [];
    const fixed = await executor.execute('t1', 'print(1 / 1)', {
      outputLimit: 1000,
      replaceCellId: failed.cellId,
      onInserted: (id, index) => inserted.push([id, index])
    });
    expect(fixed.cellId).toBe(failed.cellId);
    expect(fixed.cellIndex).toBe(1);
    expect(inserted).toEqual([[failed.cellId, 1]]);
    expect(sources(notebook)).toEqual(['base = 6', 'print(1 / 1)']);
    expect(fixed.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'ran print(1 / 1)\n' }
    ]);
    expect(ran).toEqual(['print(1 / 0)', 'print(1 / 1)']);
    // The next new cell still goes after the replaced one.
    await executor.execute('t1', 'z = 3', { outputLimit: 1000 });
    expect(sources(notebook)).toEqual(['base = 6', 'print(1 / 1)', 'z = 3']);
  });

  it.each([
    ['autorestarting', 'The kernel died while the cell ran'],
    ['restarting', 'The kernel was restarted while the cell ran']
  ])(
    'says the kernel was lost when its status went %s during the run',
    async (status, message) => {
      const notebook = makeNotebook(['']);
      const { panel, kernel } = makePanel({ notebook });
      const losing = new NotebookExecutor({
        runCell: async () => {
          kernel.statusChanged.emit(status as Kernel.Status);
          throw new Error('Canceled future for execute_request message');
        }
      });
      losing.beginTurn('t1', panel);
      await expect(
        losing.execute('t1', 'import os; os._exit(1)', { outputLimit: 1000 })
      ).rejects.toThrow(message);
    }
  );

  it('refuses to replace a cell the conversation did not write', async () => {
    const notebook = makeNotebook(['user_code = 1']);
    const { panel } = makePanel({ notebook });
    const userCell = notebook.model!.cells.get(0).id;
    executor.beginTurn('t1', panel);
    await expect(
      executor.execute('t1', 'hacked = 1', {
        outputLimit: 1000,
        replaceCellId: userCell
      })
    ).rejects.toThrow(/not inserted by this conversation/);
    const own = await executor.execute('t1', 'a = 1', { outputLimit: 1000 });
    executor.endTurn('t1');
    executor.beginTurn('t2', panel);
    // A cell of an earlier turn the conversation does not list is refused too.
    await expect(
      executor.execute('t2', 'b = 1', {
        outputLimit: 1000,
        replaceCellId: own.cellId
      })
    ).rejects.toThrow(/not inserted by this conversation/);
    expect(sources(notebook)).toEqual(['user_code = 1', 'a = 1']);
    expect(ran).toEqual(['a = 1']);
    // One the conversation wrote in an earlier turn may be replaced (protocol, issue 15).
    executor.endTurn('t2');
    executor.beginTurn('t3', panel, { written: [own.cellId] });
    await executor.execute('t3', 'c = 1', {
      outputLimit: 1000,
      replaceCellId: own.cellId
    });
    expect(sources(notebook)).toEqual(['user_code = 1', 'c = 1']);
  });

  it('waits for approval and runs the code as the user edited it', async () => {
    const notebook = makeNotebook(['base = 6']);
    const { panel } = makePanel({ notebook });
    executor.beginTurn('t1', panel);
    const decision = new PromiseDelegate<ApprovalDecision>();
    const asked: Array<[string, number, string[]]> = [];
    const running = executor.execute('t1', 'x = 1', {
      outputLimit: 1000,
      approve: (cellId, index) => {
        asked.push([cellId, index, sources(notebook)]);
        return decision.promise;
      }
    });
    await new Promise(resolve => setTimeout(resolve, 0));
    // The cell is in the notebook, not run, while the user decides.
    expect(asked).toHaveLength(1);
    expect(asked[0][1]).toBe(1);
    expect(asked[0][2]).toEqual(['base = 6', 'x = 1']);
    expect(ran).toEqual([]);
    notebook.model!.sharedModel.getCell(1).setSource('x = 100');
    decision.resolve('run');
    const result = await running;
    expect(ran).toEqual(['x = 100']);
    expect(result.code).toBe('x = 100');
    expect(result.cellId).toBe(asked[0][0]);
    expect(result.skipped).toBeUndefined();
  });

  it('reports no code when the user ran the proposal unchanged', async () => {
    const { panel } = makePanel({ notebook: makeNotebook(['base = 6']) });
    executor.beginTurn('t1', panel);
    const result = await executor.execute('t1', 'x = 1', {
      outputLimit: 1000,
      approve: async () => 'run'
    });
    expect(result).not.toHaveProperty('code');
    expect(ran).toEqual(['x = 1']);
  });

  it('skips: the cell stays in the notebook and does not run', async () => {
    const notebook = makeNotebook(['base = 6']);
    const { panel } = makePanel({ notebook });
    executor.beginTurn('t1', panel);
    const result = await executor.execute('t1', 'rm_all()', {
      outputLimit: 1000,
      approve: async () => 'skip'
    });
    expect(result).toEqual({
      outputs: [],
      executionCount: null,
      cellId: notebook.model!.cells.get(1).id,
      cellIndex: 1,
      skipped: true
    });
    expect(ran).toEqual([]);
    expect(sources(notebook)).toEqual(['base = 6', 'rm_all()']);
  });

  it('a Stop ends the wait for approval', async () => {
    const { panel, kernel } = makePanel({
      notebook: makeNotebook(['base = 6'])
    });
    executor.beginTurn('t1', panel);
    const running = executor.execute('t1', 'x = 1', {
      outputLimit: 1000,
      approve: () => new Promise<ApprovalDecision>(() => undefined)
    });
    await new Promise(resolve => setTimeout(resolve, 0));
    await executor.interrupt('t1');
    await expect(running).rejects.toThrow(/stopped before the cell ran/);
    expect(ran).toEqual([]);
    // Nothing ran, so the kernel was not interrupted.
    expect(kernel.interrupt).not.toHaveBeenCalled();
  });

  it('the end of the turn also ends the wait', async () => {
    const { panel } = makePanel({ notebook: makeNotebook(['base = 6']) });
    executor.beginTurn('t1', panel);
    const running = executor.execute('t1', 'x = 1', {
      outputLimit: 1000,
      approve: () => new Promise<ApprovalDecision>(() => undefined)
    });
    await new Promise(resolve => setTimeout(resolve, 0));
    executor.endTurn('t1');
    await expect(running).rejects.toThrow(/stopped before the cell ran/);
    expect(ran).toEqual([]);
  });

  it('removes the cells of an undone turn, found by panel or by path', async () => {
    const notebook = makeNotebook(['base = 6', 'user']);
    const { panel, saved } = makePanel({ notebook, path: 'work/a.ipynb' });
    const base = notebook.model!.cells.get(0).id;
    executor.beginTurn('t1', panel, { written: [base] });
    const a = await executor.execute('t1', 'a = 1', { outputLimit: 1000 });
    const b = await executor.execute('t1', 'b = 2', { outputLimit: 1000 });
    executor.endTurn('t1');
    expect(sources(notebook)).toEqual(['base = 6', 'a = 1', 'b = 2', 'user']);
    expect(executor.removeCells(panel, [b.cellId, 'not-there'])).toBe(1);
    expect(sources(notebook)).toEqual(['base = 6', 'a = 1', 'user']);
    expect(executor.removeCells('work/a.ipynb', [a.cellId])).toBe(1);
    expect(sources(notebook)).toEqual(['base = 6', 'user']);
    expect(executor.removeCells('other.ipynb', [a.cellId])).toBe(0);
    await flush();
    // Saved after the turn, and after each undo that removed cells.
    expect(saved()).toBe(3);
  });

  it('finds notebooks it never worked in through findPanel', async () => {
    const notebook = makeNotebook(['keep', 'drop']);
    const { panel } = makePanel({ notebook, path: 'b.ipynb' });
    const finder = new NotebookExecutor({
      runCell,
      findPanel: path => (path === 'b.ipynb' ? panel : null)
    });
    const drop = notebook.model!.cells.get(1).id;
    expect(finder.removeCells('b.ipynb', [drop])).toBe(1);
    expect(sources(notebook)).toEqual(['keep']);
    // A notebook keeps at least one cell.
    const only = notebook.model!.cells.get(0).id;
    expect(finder.removeCells('b.ipynb', [only])).toBe(1);
    expect(sources(notebook)).toEqual(['']);
  });

  it('sends images within the byte caps (no canvas to downscale in jsdom)', async () => {
    const png = 'iVBORw0KGgo' + 'A'.repeat(400);
    const { panel } = makePanel({ notebook: makeNotebook(['base = 6']) });
    const withImage = new NotebookExecutor({
      runCell: async cell => {
        cell.model.outputs.add({
          output_type: 'display_data',
          data: { 'image/png': png, 'text/plain': '<Figure>' },
          metadata: {}
        });
        return undefined;
      }
    });
    withImage.beginTurn('t1', panel);
    const result = await withImage.execute('t1', 'plot()', {
      outputLimit: 1000
    });
    expect(result.outputs).toEqual([
      {
        output_type: 'display_data',
        data: { 'image/png': png, 'text/plain': '<Figure>' },
        metadata: {}
      }
    ]);
  });
});

describe('where a turn’s cells go, and saving after a turn', () => {
  let executor: NotebookExecutor;
  let finish: PromiseDelegate<void> | null;

  /** Runs a cell at once, or when the test resolves `finish`. */
  async function runCell(cell: CodeCell) {
    if (finish) {
      await finish.promise;
    }
    cell.model.executionCount = 1;
    return {
      content: { status: 'ok' }
    } as unknown as KernelMessage.IExecuteReplyMsg;
  }

  /** Run one turn of one cell with this code; returns its cell id. */
  async function turn(
    turnId: string,
    panel: ReturnType<typeof makePanel>['panel'],
    code: string,
    written: string[] = []
  ): Promise<string> {
    executor.beginTurn(turnId, panel, { written });
    const result = await executor.execute(turnId, code, { outputLimit: 100 });
    executor.endTurn(turnId);
    return result.cellId;
  }

  beforeEach(() => {
    finish = null;
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    executor = new NotebookExecutor({ runCell });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('goes to the end, not to the top, when the selection is where a reload put it', async () => {
    // A reloaded notebook has its first cell active.
    const notebook = makeNotebook(['user = 1', 'earlier work'], 0);
    const { panel } = makePanel({ notebook });
    executor.prepare(panel);
    await turn('t1', panel, 'new = 1');
    expect(sources(notebook)).toEqual(['user = 1', 'earlier work', 'new = 1']);
  });

  it('goes after the last cell the conversation wrote, if it is still there', async () => {
    const notebook = makeNotebook(['a', 'b', 'c'], 0);
    const { panel } = makePanel({ notebook });
    const [a, b] = [0, 1].map(i => notebook.model!.cells.get(i).id);
    // The selection moved, but the conversation's own cell wins.
    notebook.activeCellIndex = 2;
    await turn('t1', panel, 'x', [b, a]);
    expect(sources(notebook)).toEqual(['a', 'b', 'x', 'c']);
    // Its most recent cell was deleted: the one before it is the place.
    const x = notebook.model!.cells.get(2).id;
    notebook.model!.sharedModel.deleteCell(1);
    await turn(
      't2',
      panel,
      'y',
      [x, b, a].filter(id => id !== b)
    );
    expect(sources(notebook)).toEqual(['a', 'x', 'y', 'c']);
  });

  it('goes after the active cell only when the user moved the selection since the last turn', async () => {
    const notebook = makeNotebook(['a', 'b', 'c'], 0);
    const { panel } = makePanel({ notebook });
    executor.prepare(panel);
    await turn('t1', panel, 'first');
    expect(sources(notebook)).toEqual(['a', 'b', 'c', 'first']);
    // The user selects "b", then asks again (the conversation wrote nothing yet).
    notebook.activeCellIndex = 1;
    await turn('t2', panel, 'second');
    expect(sources(notebook)).toEqual(['a', 'b', 'second', 'c', 'first']);
    // The selection did not move since: the end again.
    await turn('t3', panel, 'third');
    expect(sources(notebook)).toEqual([
      'a',
      'b',
      'second',
      'c',
      'first',
      'third'
    ]);
  });

  it('takes a notebook it never saw with a cell other than the first active as a moved selection', async () => {
    const notebook = makeNotebook(['a', 'b', 'c'], 1);
    const { panel } = makePanel({ notebook });
    await turn('t1', panel, 'x');
    expect(sources(notebook)).toEqual(['a', 'b', 'x', 'c']);
  });

  it('an undo that moves the selection does not count as the user moving it', async () => {
    const notebook = makeNotebook(['a', 'b'], 1);
    const { panel } = makePanel({ notebook });
    executor.prepare(panel);
    const x = await turn('t1', panel, 'x');
    expect(sources(notebook)).toEqual(['a', 'b', 'x']);
    notebook.activeCellIndex = 2; // "x" is active
    executor.removeCells(panel, [x]);
    await turn('t2', panel, 'y');
    expect(sources(notebook)).toEqual(['a', 'b', 'y']);
  });

  it('gives a new cell the id the server chose', async () => {
    const notebook = makeNotebook(['a']);
    const { panel } = makePanel({ notebook });
    executor.beginTurn('t1', panel);
    const result = await executor.execute('t1', 'x', {
      outputLimit: 100,
      cellId: 'server-chosen-id'
    });
    expect(result.cellId).toBe('server-chosen-id');
    expect(notebook.model!.cells.get(1).id).toBe('server-chosen-id');
  });

  it('saves the notebook once the turn’s last cell is done, and only after a turn that changed it', async () => {
    const notebook = makeNotebook(['a']);
    const { panel, saved } = makePanel({ notebook });
    executor.beginTurn('quiet', panel);
    executor.endTurn('quiet');
    await flush();
    expect(saved()).toBe(0); // a text-only answer changed nothing

    finish = new PromiseDelegate<void>();
    executor.beginTurn('t1', panel);
    const running = executor.execute('t1', 'slow()', { outputLimit: 100 });
    await flush();
    executor.endTurn('t1'); // stopped while the cell runs
    await flush();
    expect(saved()).toBe(0); // not with a half-run cell
    finish.resolve();
    await running.catch(() => undefined);
    await flush();
    expect(saved()).toBe(1);
  });
});
