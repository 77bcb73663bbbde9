import type * as nbformat from '@jupyterlab/nbformat';

import {
  capContext,
  contextCell,
  notebookContext,
  utf8Length
} from '../notebook/context';
import {
  KernelInspectCode,
  KernelInspector,
  parseKernelState
} from '../notebook/inspector';
import { imagePixelSize, imagePlaceholder } from '../notebook/images';
import type { INotebookContext } from '../protocol';
import { FakeKernel, makeNotebook, makePanel } from './fakes';

function base64(bytes: number[]): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The first bytes of a PNG of this size (all the size parser reads). */
function pngHead(width: number, height: number): string {
  const be = (n: number) => [
    n >>> 24,
    (n >>> 16) & 255,
    (n >>> 8) & 255,
    n & 255
  ];
  return base64([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    0,
    0,
    0,
    13,
    0x49,
    0x48,
    0x44,
    0x52,
    ...be(width),
    ...be(height),
    8,
    6,
    0,
    0,
    0,
    0,
    0,
    0
  ]);
}

/** A JPEG start: SOI, an APP0 segment, then SOF0 with the size. */
function jpegHead(width: number, height: number): string {
  return base64([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    6,
    0x4a,
    0x46,
    0x49,
    0x46,
    0xff,
    0xc0,
    0,
    11,
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    3,
    0,
    0
  ]);
}

const CODE: KernelInspectCode = {
  python: { setup: 'def _inspect(): ...', expression: '_inspect()' }
};

describe('images in the context', () => {
  it('reads pixel sizes of PNG, JPEG and GIF data', () => {
    expect(imagePixelSize('image/png', pngHead(640, 480))).toEqual({
      width: 640,
      height: 480
    });
    expect(imagePixelSize('image/jpeg', jpegHead(1024, 768))).toEqual({
      width: 1024,
      height: 768
    });
    const gif = base64([
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x01, 0x10, 0
    ]);
    expect(imagePixelSize('image/gif', gif)).toEqual({
      width: 288,
      height: 16
    });
    expect(imagePixelSize('image/png', 'bm90IGFuIGltYWdl')).toBeNull();
  });

  it('stands for an image with its type, pixel size and bytes', () => {
    expect(imagePlaceholder('image/png', pngHead(640, 480))).toBe(
      '[image: image/png, 640×480 px, 32 B]'
    );
    // The output's metadata wins when it gives the size.
    expect(
      imagePlaceholder('image/jpeg', 'AAAA', {
        'image/jpeg': { width: 10, height: 20 }
      })
    ).toBe('[image: image/jpeg, 10×20 px, 3 B]');
  });
});

describe('contextCell', () => {
  it('keeps code, execution count and compacted outputs; images become placeholders', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] },
      {
        output_type: 'display_data',
        data: { 'image/png': pngHead(800, 600), 'text/plain': '<Figure>' },
        metadata: {}
      },
      { output_type: 'stream', name: 'stderr', text: 'x'.repeat(5000) }
    ];
    const cell = contextCell(
      {
        id: 'c1',
        cell_type: 'code',
        source: ['df = 1\n', 'df'],
        execution_count: 3,
        outputs
      },
      1000
    );
    expect(cell.id).toBe('c1');
    expect(cell.type).toBe('code');
    expect(cell.source).toBe('df = 1\ndf');
    expect(cell.executionCount).toBe(3);
    const json = JSON.stringify(cell.outputs);
    expect(json).not.toContain(pngHead(800, 600));
    const figure = cell.outputs![1] as nbformat.IDisplayData;
    expect(Object.keys(figure.data)).toEqual(['text/plain']);
    expect(figure.data['text/plain']).toContain(
      '\n[image: image/png, 800×600 px, 32 B]'
    );
    // Text is cut to the limit, head and tail kept.
    expect(json.length).toBeLessThan(1500);
    expect(json).toContain('characters elided');
  });

  it('keeps markdown as source only', () => {
    expect(
      contextCell({ id: 'm', cell_type: 'markdown', source: '# 标题' }, 100)
    ).toEqual({ id: 'm', type: 'markdown', source: '# 标题' });
  });
});

describe('capContext', () => {
  function bigContext(count: number, active: number): INotebookContext {
    return {
      activeIndex: active,
      kernel: null,
      cells: Array.from({ length: count }, (_, i) => ({
        id: `c${i}`,
        type: 'code' as const,
        source: `print(${i})` + ' '.repeat(300),
        executionCount: i,
        outputs: [
          { output_type: 'stream', name: 'stdout', text: '数'.repeat(1000) }
        ]
      }))
    };
  }

  it('leaves a small context alone', () => {
    const context = bigContext(3, 1);
    expect(capContext(context, 1e6)).toBe(context);
  });

  it('drops outputs of the cells farthest from the active cell first', () => {
    const context = bigContext(10, 6);
    const full = utf8Length(JSON.stringify(context));
    const capped = capContext(context, full - 5000);
    expect(utf8Length(JSON.stringify(capped))).toBeLessThanOrEqual(full - 5000);
    const kept = capped.cells.map(c =>
      JSON.stringify(c.outputs).includes('数')
    );
    // Cell 0 is farthest from 6, then 1, then 2 (and 10 cells have no 12).
    expect(kept).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true
    ]);
    expect(capped.cells[0].outputs).toEqual([
      expect.objectContaining({ text: expect.stringContaining('omitted') })
    ]);
    expect(capped.cells.every(c => c.source.startsWith('print('))).toBe(true);
    // The input is not changed.
    expect(JSON.stringify(context.cells[0].outputs)).toContain('数');
  });

  it('drops sources after all outputs, still farthest first', () => {
    const context = bigContext(10, 0);
    const capped = capContext(context, 3500);
    expect(utf8Length(JSON.stringify(capped))).toBeLessThanOrEqual(3500);
    expect(
      capped.cells.every(c => !JSON.stringify(c.outputs).includes('数'))
    ).toBe(true);
    expect(capped.cells[0].source.startsWith('print(0)')).toBe(true);
    expect(capped.cells[9].source).toContain('omitted');
  });
});

describe('parseKernelState', () => {
  it('reads application/json, else the JSON of text/plain', () => {
    expect(
      parseKernelState({
        status: 'ok',
        data: { 'application/json': { python: '3.12' }, 'text/plain': 'x' }
      })
    ).toEqual({ state: { python: '3.12' }, error: null });
    expect(
      parseKernelState({
        status: 'ok',
        data: { 'text/plain': '{"python": "3.11"}' }
      })
    ).toEqual({ state: { python: '3.11' }, error: null });
    expect(
      parseKernelState({
        status: 'ok',
        data: { 'text/plain': JSON.stringify('{"python": "3.10"}') }
      })
    ).toEqual({ state: { python: '3.10' }, error: null });
  });

  it('says why there is no state', () => {
    expect(
      parseKernelState({
        status: 'error',
        ename: 'NameError',
        evalue: "'_inspect'"
      })
    ).toEqual({
      state: null,
      error: "The kernel inspection failed (NameError: '_inspect')."
    });
    expect(
      parseKernelState({ status: 'ok', data: { 'text/plain': '<object>' } })
        .error
    ).toBe('The kernel inspection did not return a JSON object.');
  });
});

describe('KernelInspector', () => {
  let fetched: number;
  let fetchCode: () => Promise<KernelInspectCode>;
  let inspector: KernelInspector;

  beforeEach(() => {
    fetched = 0;
    fetchCode = async () => CODE;
    inspector = new KernelInspector(
      () => {
        fetched += 1;
        return fetchCode();
      },
      { timeout: 200 }
    );
  });

  it('runs the setup silently once per kernel, then asks for the state silently', async () => {
    const kernel = new FakeKernel();
    const first = await inspector.inspect(kernel.connection);
    expect(first).toEqual({
      language: 'python',
      state: { python: '3.11.4', variables: [{ name: 'df' }] },
      error: null
    });
    await inspector.inspect(kernel.connection);
    expect(kernel.requests).toEqual([
      {
        code: 'def _inspect(): ...',
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      },
      {
        code: '',
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false,
        user_expressions: { state: '_inspect()' }
      },
      expect.objectContaining({
        code: '',
        user_expressions: { state: '_inspect()' }
      })
    ]);
    // After a restart the setup runs again.
    kernel.statusChanged.emit('restarting');
    await inspector.inspect(kernel.connection);
    expect(kernel.requests.map(r => r.code)).toEqual([
      'def _inspect(): ...',
      '',
      '',
      'def _inspect(): ...',
      ''
    ]);
    expect(fetched).toBe(1);
  });

  it('gives no kernel part for no kernel or a dead kernel', async () => {
    expect(await inspector.inspect(null)).toBeNull();
    const dead = new FakeKernel();
    dead.status = 'dead';
    expect(await inspector.inspect(dead.connection)).toBeNull();
  });

  it('gives only the language of a kernel it cannot inspect, running nothing', async () => {
    for (const language of ['R', 'bash']) {
      const kernel = new FakeKernel(language);
      expect(await inspector.inspect(kernel.connection)).toEqual({
        language,
        state: null,
        error: null
      });
      expect(kernel.requests).toEqual([]);
    }
  });

  it('never waits for a busy kernel: state null with the reason', async () => {
    const kernel = new FakeKernel();
    kernel.busy = true;
    const result = await inspector.inspect(kernel.connection);
    expect(result).toEqual({
      language: 'python',
      state: null,
      error: 'The kernel did not answer within 0.2 s (it may be busy).'
    });
  });

  it('reports a missing inspection route and tries again next time', async () => {
    fetchCode = () => Promise.reject(new Error('404 Not Found'));
    const kernel = new FakeKernel();
    const result = await inspector.inspect(kernel.connection);
    expect(result).toEqual({
      language: 'python',
      state: null,
      error: 'The kernel inspection is not available: 404 Not Found'
    });
    fetchCode = async () => CODE;
    expect((await inspector.inspect(kernel.connection))?.state).not.toBeNull();
    expect(fetched).toBe(2);
  });
});

describe('notebookContext', () => {
  it('snapshots the cells, the active cell and the kernel', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const notebook = makeNotebook(
      [
        { cell_type: 'markdown', source: '# 数据', metadata: {} },
        {
          cell_type: 'code',
          source: 'df = load()',
          metadata: {},
          execution_count: 2,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'loaded\n' }]
        }
      ],
      1
    );
    const { panel } = makePanel({ notebook });
    const model = notebook.model!;
    const context = await notebookContext(panel, {
      outputLimit: 1000,
      inspector: new KernelInspector(async () => CODE)
    });
    expect(context).toEqual({
      cells: [
        { id: model.cells.get(0).id, type: 'markdown', source: '# 数据' },
        {
          id: model.cells.get(1).id,
          type: 'code',
          source: 'df = load()',
          executionCount: 2,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'loaded\n' }]
        }
      ],
      activeIndex: 1,
      kernel: {
        language: 'python',
        state: { python: '3.11.4', variables: [{ name: 'df' }] },
        error: null
      }
    });
    jest.restoreAllMocks();
  });
});
