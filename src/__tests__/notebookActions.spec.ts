import type { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { Notebook } from '@jupyterlab/notebook';
import type { KernelMessage } from '@jupyterlab/services';

import { NotebookExecutor } from '../notebook/executor';
import type { IProposedChange, IReviewDecision } from '../notebook/review';
import type { INotebookActionFrame } from '../protocol';
import { flush, makeNotebook, makePanel } from './fakes';

function sources(notebook: Notebook): string[] {
  return notebook.model!.sharedModel.cells.map(cell => cell.getSource());
}

function idAt(notebook: Notebook, index: number): string {
  return notebook.model!.cells.get(index).id;
}

/** The model's fix of cell `cellId` (`x = 1`, run), reviewed. */
function reviewedFix(cellId: string): INotebookActionFrame {
  return request({
    action: 'edit',
    cellId,
    source: 'x = 1',
    run: true,
    review: true
  });
}

/** A request of step 1 of turn t1. */
function request(
  change: Partial<INotebookActionFrame> & Pick<INotebookActionFrame, 'action'>
): INotebookActionFrame {
  return {
    type: 'notebook_request',
    turnId: 't1',
    requestId: 'r1',
    step: 1,
    ...change
  };
}

describe('notebook actions (notebook_request)', () => {
  let ran: string[];
  let executor: NotebookExecutor;

  /** Runs a cell like a kernel: `1/0` raises, anything else prints a long line. */
  async function runCell(cell: CodeCell) {
    const source = cell.model.sharedModel.getSource();
    ran.push(source);
    cell.model.outputs.clear();
    const failed = source.includes('1/0');
    cell.model.outputs.add(
      failed
        ? {
            output_type: 'error',
            ename: 'ZeroDivisionError',
            evalue: 'division by zero',
            traceback: []
          }
        : {
            output_type: 'stream',
            name: 'stdout',
            text: `${source}:${'x'.repeat(3000)}\n`
          }
    );
    cell.model.executionCount = 10 + ran.length;
    return {
      content: { status: failed ? 'error' : 'ok' }
    } as unknown as KernelMessage.IExecuteReplyMsg;
  }

  beforeEach(() => {
    ran = [];
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    executor = new NotebookExecutor({ runCell });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function setUp(cells: Array<string | nbformat.ICell>) {
    const notebook = makeNotebook(cells);
    const fake = makePanel({ notebook });
    executor.beginTurn('t1', fake.panel);
    return { notebook, ...fake };
  }

  it('edits a cell without review, runs it, compacts outputs and returns the cell before', async () => {
    const { notebook, saved } = setUp([
      'a = 1',
      {
        cell_type: 'code',
        source: 'x = 1/0',
        metadata: {},
        execution_count: 3,
        outputs: [
          {
            output_type: 'error',
            ename: 'ZeroDivisionError',
            evalue: 'division by zero',
            traceback: []
          }
        ]
      }
    ]);
    const cellId = idAt(notebook, 1);
    const result = await executor.act(
      't1',
      request({ action: 'edit', cellId, source: 'x = 1', run: true }),
      { outputLimit: 600 }
    );
    expect(sources(notebook)).toEqual(['a = 1', 'x = 1']);
    expect(ran).toEqual(['x = 1']);
    expect(result.cellId).toBe(cellId);
    expect(result.cellIndex).toBe(1);
    expect(result.accepted).toBeUndefined();
    expect(result.executionCount).toBe(11);
    expect(result.before).toEqual({
      cellType: 'code',
      source: 'x = 1/0',
      outputs: [
        expect.objectContaining({
          output_type: 'error',
          ename: 'ZeroDivisionError'
        })
      ],
      executionCount: 3,
      index: 1
    });
    // Cut to the output limit, like execute results.
    const text = (result.outputs![0] as nbformat.IStream).text as string;
    expect(text.length).toBeLessThan(1000);
    executor.endTurn('t1');
    await Promise.resolve();
    await Promise.resolve();
    expect(saved()).toBe(1);
  });

  it('edits without running when run is false', async () => {
    const { notebook } = setUp(['a = 1']);
    const result = await executor.act(
      't1',
      request({
        action: 'edit',
        cellId: idAt(notebook, 0),
        source: 'a = 2',
        run: false
      }),
      { outputLimit: 600 }
    );
    expect(sources(notebook)).toEqual(['a = 2']);
    expect(ran).toEqual([]);
    expect(result.outputs).toBeUndefined();
    expect(result.before?.source).toBe('a = 1');
  });

  it('answers an unknown cell id with a clear error and changes nothing', async () => {
    const { notebook } = setUp(['a = 1']);
    for (const action of ['edit', 'read', 'delete'] as const) {
      await expect(
        executor.act('t1', request({ action, cellId: 'nope', source: 'b' }), {
          outputLimit: 600,
          review: async () => ({ accepted: true })
        })
      ).rejects.toThrow('There is no cell with id "nope" in a.ipynb');
    }
    await expect(
      executor.act(
        't1',
        request({ action: 'run', cellIds: [idAt(notebook, 0), 'gone'] }),
        {
          outputLimit: 600
        }
      )
    ).rejects.toThrow('"gone"');
    expect(sources(notebook)).toEqual(['a = 1']);
    expect(ran).toEqual([]);
  });

  it('runs cells in order and stops at the first error', async () => {
    const { notebook } = setUp(['a = 1', 'b = 1/0', 'c = 3']);
    const ids = [0, 1, 2].map(i => idAt(notebook, i));
    const result = await executor.act(
      't1',
      request({ action: 'run', cellIds: ids }),
      {
        outputLimit: 600
      }
    );
    expect(ran).toEqual(['a = 1', 'b = 1/0']);
    expect(
      result.runs!.map(r => [r.cellId, r.cellIndex, r.executionCount])
    ).toEqual([
      [ids[0], 0, 11],
      [ids[1], 1, 12]
    ]);
    expect(result.runs![1].outputs[0]).toMatchObject({
      ename: 'ZeroDivisionError'
    });
    expect(result.cellId).toBe(ids[1]);
  });

  it('reads full outputs, not cut to the output limit', async () => {
    const long = 'y'.repeat(5000);
    const { notebook } = setUp([
      {
        cell_type: 'code',
        source: 'print(long)',
        metadata: {},
        execution_count: 7,
        outputs: [{ output_type: 'stream', name: 'stdout', text: long }]
      }
    ]);
    const result = await executor.act(
      't1',
      request({ action: 'read', cellId: idAt(notebook, 0) }),
      { outputLimit: 600 }
    );
    expect((result.outputs![0] as nbformat.IStream).text).toBe(long);
    expect(result.executionCount).toBe(7);
    expect(ran).toEqual([]);
  });

  it('inserts a Markdown cell with the server’s id after a cell, or where the next code cell goes', async () => {
    const { notebook } = setUp(['a = 1', 'b = 2']);
    const first = idAt(notebook, 0);
    const after = await executor.act(
      't1',
      request({
        action: 'markdown',
        cellId: 'md-1',
        source: '# Notes',
        afterCellId: first
      }),
      { outputLimit: 600 }
    );
    expect(after).toEqual({ cellId: 'md-1', cellIndex: 1 });
    expect(notebook.model!.cells.get(1).type).toBe('markdown');
    // Without afterCellId: where the turn's next cell would go (the end here)…
    const end = await executor.act(
      't1',
      request({ action: 'markdown', cellId: 'md-2', source: 'More' }),
      { outputLimit: 600 }
    );
    expect(end.cellIndex).toBe(3);
    // …and the turn's next code cell goes after it.
    await executor.execute('t1', 'c = 3', { outputLimit: 600 });
    expect(sources(notebook)).toEqual([
      'a = 1',
      '# Notes',
      'b = 2',
      'More',
      'c = 3'
    ]);
  });

  it('waits for review: a rejected edit leaves the cell unchanged and carries the comment', async () => {
    const { notebook } = setUp(['x = 1/0']);
    const cellId = idAt(notebook, 0);
    const asked: IProposedChange[] = [];
    const result = await executor.act('t1', reviewedFix(cellId), {
      outputLimit: 600,
      review: async change => {
        asked.push(change);
        // Not applied while the user decides.
        expect(sources(notebook)).toEqual(['x = 1/0']);
        return { accepted: false, comment: 'keep it' };
      }
    });
    expect(asked).toEqual([
      expect.objectContaining({
        kind: 'edit',
        cellId,
        before: 'x = 1/0',
        after: 'x = 1',
        language: 'python'
      })
    ]);
    expect(result).toEqual({
      cellId,
      cellIndex: 0,
      accepted: false,
      comment: 'keep it'
    });
    expect(sources(notebook)).toEqual(['x = 1/0']);
    expect(ran).toEqual([]);
  });

  it('applies and runs an accepted edit', async () => {
    const { notebook } = setUp(['x = 1/0']);
    const cellId = idAt(notebook, 0);
    const result = await executor.act('t1', reviewedFix(cellId), {
      outputLimit: 600,
      review: async () => ({ accepted: true })
    });
    expect(result.accepted).toBe(true);
    expect(result.before?.source).toBe('x = 1/0');
    expect(sources(notebook)).toEqual(['x = 1']);
    expect(ran).toEqual(['x = 1']);
  });

  it('always reviews deletions, and deletes only once accepted', async () => {
    const { notebook } = setUp(['a = 1', 'b = 2']);
    const cellId = idAt(notebook, 1);
    let decision: IReviewDecision = { accepted: false };
    const review = jest.fn(async () => decision);
    // The request says no review: deletions are reviewed anyway.
    const rejected = await executor.act(
      't1',
      request({ action: 'delete', cellId, review: false }),
      { outputLimit: 600, review }
    );
    expect(rejected).toEqual({ cellId, cellIndex: 1, accepted: false });
    expect(sources(notebook)).toEqual(['a = 1', 'b = 2']);
    decision = { accepted: true };
    const deleted = await executor.act(
      't1',
      request({ action: 'delete', cellId, review: true }),
      {
        outputLimit: 600,
        review
      }
    );
    expect(review).toHaveBeenCalledTimes(2);
    expect(deleted).toMatchObject({
      cellId,
      cellIndex: 1,
      accepted: true,
      before: { cellType: 'code', source: 'b = 2', index: 1 }
    });
    expect(sources(notebook)).toEqual(['a = 1']);
  });

  it('a Stop while a change waits for review rejects the action without applying it', async () => {
    const { notebook } = setUp(['a = 1']);
    const waiting = executor.act(
      't1',
      request({
        action: 'edit',
        cellId: idAt(notebook, 0),
        source: 'a = 2',
        review: true
      }),
      { outputLimit: 600, review: () => new Promise(() => undefined) }
    );
    await flush();
    await executor.interrupt('t1');
    await expect(waiting).rejects.toThrow('stopped');
    expect(sources(notebook)).toEqual(['a = 1']);
  });

  it('undo restores edited cells (source, outputs, count) and re-inserts deleted ones at their index, then saves', async () => {
    const { notebook, panel, saved } = setUp(['a = 1', 'b = 2', 'c = 3']);
    const [a, b, c] = [0, 1, 2].map(i => idAt(notebook, i));
    const edit = await executor.act(
      't1',
      request({ action: 'edit', cellId: a, source: 'a = 100', run: true }),
      { outputLimit: 600 }
    );
    const removal = await executor.act(
      't1',
      request({ action: 'delete', cellId: b }),
      {
        outputLimit: 600,
        review: async () => ({ accepted: true })
      }
    );
    const inserted = await executor.execute('t1', 'd = 4', {
      outputLimit: 600
    });
    executor.endTurn('t1');
    expect(sources(notebook)).toEqual(['a = 100', 'c = 3', 'd = 4']);
    const before = saved();
    const done = executor.undoCells(
      panel,
      [inserted.cellId],
      [
        { cellId: b, action: 'delete', before: removal.before! },
        { cellId: a, action: 'edit', before: edit.before! }
      ]
    );
    expect(done).toEqual({ removed: 1, restored: 2 });
    expect(sources(notebook)).toEqual(['a = 1', 'b = 2', 'c = 3']);
    expect(notebook.model!.cells.get(1).id).toBe(b);
    const restoredA = notebook
      .model!.sharedModel.getCell(0)
      .toJSON() as nbformat.ICodeCell;
    expect(restoredA.outputs).toEqual([]);
    expect(restoredA.execution_count).toBeNull();
    expect(idAt(notebook, 2)).toBe(c);
    await Promise.resolve();
    expect(saved()).toBe(before + 1);
  });
});
