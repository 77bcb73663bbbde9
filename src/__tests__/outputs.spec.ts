import type * as nbformat from '@jupyterlab/nbformat';

import {
  base64Size,
  compactOutputs,
  stripAnsi,
  truncateText
} from '../notebook/outputs';

const RED_TRACEBACK = [
  '\u001b[0;31m---------------------------------------------------------------------------\u001b[0m',
  '\u001b[0;31mZeroDivisionError\u001b[0m                         Traceback (most recent call last)',
  'Cell \u001b[0;32mIn[1], line 1\u001b[0m\n\u001b[0;32m----> 1\u001b[0m \u001b[38;5;241;43m1\u001b[39;49m\u001b[38;5;241;43m/\u001b[39;49m\u001b[38;5;241;43m0\u001b[39;49m',
  '\u001b[0;31mZeroDivisionError\u001b[0m: division by zero'
];

/** A base64 string that decodes to `bytes` bytes. */
function fakeBase64(bytes: number): string {
  return 'A'.repeat(Math.ceil(bytes / 3) * 4);
}

function textOf(output: nbformat.IOutput): string {
  if (output.output_type === 'stream') {
    return output.text as string;
  }
  return ((output.data as nbformat.IMimeBundle)['text/plain'] as string) ?? '';
}

describe('stripAnsi', () => {
  it('removes colour and cursor escapes', () => {
    expect(
      stripAnsi('\u001b[0;31mError\u001b[0m: \u001b[1mbad\u001b[22m')
    ).toBe('Error: bad');
    expect(stripAnsi('\u001b[2K\u001b[1Gprogress 50%')).toBe('progress 50%');
  });

  it('keeps plain and Chinese text', () => {
    expect(stripAnsi('数据 has 3 rows')).toBe('数据 has 3 rows');
  });
});

describe('truncateText', () => {
  it('keeps short text as is', () => {
    expect(truncateText('hello', 10)).toBe('hello');
  });

  it('keeps the head and tail with a marker counting what was cut', () => {
    const text = 'a'.repeat(50) + 'MIDDLE' + 'z'.repeat(50);
    const result = truncateText(text, 20);
    expect(result.startsWith('a'.repeat(10))).toBe(true);
    expect(result.endsWith('z'.repeat(10))).toBe(true);
    expect(result).not.toContain('MIDDLE');
    expect(result).toContain('[… 86 characters elided …]');
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(40);
    const result = truncateText(text, 11);
    const [head, tail] = result.split(/\n\[… \d+ characters elided …\]\n/);
    expect(head).toMatch(/^(😀)+$/u);
    expect(tail).toMatch(/^(😀)+$/u);
  });

  it('cuts Chinese text by characters', () => {
    const text = '第一行数据'.repeat(100);
    const result = truncateText(text, 10);
    expect(result.startsWith('第一行数据')).toBe(true);
    expect(result.endsWith('第一行数据')).toBe(true);
  });
});

describe('base64Size', () => {
  it('computes the decoded size', () => {
    expect(base64Size('aGVsbG8=')).toBe(5);
    expect(base64Size('aGVsbG8h\n')).toBe(6);
  });
});

describe('compactOutputs', () => {
  it('merges consecutive streams and truncates long output to the limit', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: ['line 1\n', 'line 2\n'] },
      { output_type: 'stream', name: 'stdout', text: 'x'.repeat(10000) + 'END' }
    ];
    const compact = compactOutputs(outputs, { outputLimit: 100 });
    expect(compact).toHaveLength(1);
    const text = textOf(compact[0]);
    expect(text.startsWith('line 1\nline 2\n')).toBe(true);
    expect(text.endsWith('END')).toBe(true);
    expect(text).toContain('characters elided');
    expect(text.length).toBeLessThan(200);
  });

  it('keeps stderr separate from stdout and strips ANSI from streams', () => {
    const compact = compactOutputs(
      [
        { output_type: 'stream', name: 'stdout', text: 'ok\n' },
        {
          output_type: 'stream',
          name: 'stderr',
          text: '\u001b[33mWarning\u001b[0m\n'
        }
      ],
      { outputLimit: 1000 }
    );
    expect(compact.map(o => o.name)).toEqual(['stdout', 'stderr']);
    expect(textOf(compact[1])).toBe('Warning\n');
  });

  it('truncates text/plain results and drops other rich text', () => {
    const [result] = compactOutputs(
      [
        {
          output_type: 'execute_result',
          execution_count: 3,
          metadata: {},
          data: {
            'text/plain': 'p'.repeat(5000),
            'text/html': '<table>big</table>',
            'application/json': { a: 1 }
          }
        }
      ],
      { outputLimit: 300 }
    );
    expect(result.output_type).toBe('execute_result');
    expect(result.execution_count).toBe(3);
    const data = result.data as nbformat.IMimeBundle;
    expect(Object.keys(data)).toEqual(['text/plain']);
    expect((data['text/plain'] as string).length).toBeLessThan(400);
  });

  it('reduces an HTML-only bundle to a short note', () => {
    const html = '<div>' + 'cell'.repeat(2000) + '</div>';
    const [result] = compactOutputs(
      [
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'text/html': html }
        }
      ],
      { outputLimit: 4000 }
    );
    const data = result.data as nbformat.IMimeBundle;
    expect(data['text/html']).toBeUndefined();
    expect(data['text/plain']).toBe(
      `[HTML output not shown (${html.length} characters)]`
    );
  });

  it('keeps images under the cap as base64 and drops larger ones with a note', () => {
    const small = fakeBase64(1000);
    const big = fakeBase64(2 * 1024 * 1024);
    const compact = compactOutputs(
      [
        {
          output_type: 'display_data',
          metadata: { 'image/png': { width: 10 } },
          data: { 'image/png': small + '\n', 'text/plain': '<Figure>' }
        },
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'image/png': big }
        }
      ],
      { outputLimit: 4000 }
    );
    const first = compact[0].data as nbformat.IMimeBundle;
    expect(first['image/png']).toBe(small);
    expect(first['text/plain']).toBe('<Figure>');
    const second = compact[1].data as nbformat.IMimeBundle;
    expect(second['image/png']).toBeUndefined();
    expect(second['text/plain']).toMatch(
      /^\[image\/png output dropped: 2\.0 MB exceeds the 1\.0 MB limit\]$/
    );
  });

  it('caps the total size of a step’s images', () => {
    const image = fakeBase64(600 * 1024);
    const outputs: nbformat.IOutput[] = Array.from({ length: 3 }, () => ({
      output_type: 'display_data',
      metadata: {},
      data: { 'image/png': image }
    }));
    const compact = compactOutputs(outputs, {
      outputLimit: 4000,
      totalImageLimit: 1300 * 1024
    });
    const kept = compact.filter(
      o => (o.data as nbformat.IMimeBundle)['image/png'] !== undefined
    );
    expect(kept).toHaveLength(2);
    expect(textOf(compact[2])).toContain('too many images');
  });

  it('strips ANSI from errors and keeps them whole within the limit', () => {
    const [error] = compactOutputs(
      [
        {
          output_type: 'error',
          ename: 'ZeroDivisionError',
          evalue: 'division by zero',
          traceback: RED_TRACEBACK
        }
      ],
      { outputLimit: 4000 }
    );
    expect(error.ename).toBe('ZeroDivisionError');
    expect(error.evalue).toBe('division by zero');
    const traceback = (error.traceback as string[]).join('\n');
    expect(traceback).not.toContain('\u001b');
    expect(traceback).toContain('----> 1 1/0');
    expect(traceback).toContain('ZeroDivisionError: division by zero');
  });

  it('keeps an error even when the stream output eats the budget', () => {
    const compact = compactOutputs(
      [
        { output_type: 'stream', name: 'stdout', text: 'o'.repeat(20000) },
        {
          output_type: 'error',
          ename: 'KeyError',
          evalue: "'列名'",
          traceback: ['KeyError: ' + "'列名'"]
        }
      ],
      { outputLimit: 500 }
    );
    expect(compact).toHaveLength(2);
    expect(textOf(compact[0]).length).toBeLessThan(600);
    expect(compact[1].evalue).toBe("'列名'");
  });

  it('shares the text budget between outputs in proportion', () => {
    const compact = compactOutputs(
      [
        { output_type: 'stream', name: 'stdout', text: 'a'.repeat(3000) },
        {
          output_type: 'execute_result',
          execution_count: 1,
          metadata: {},
          data: { 'text/plain': 'b'.repeat(1000) }
        }
      ],
      { outputLimit: 400 }
    );
    const kept = (output: nbformat.IOutput) =>
      textOf(output).replace(/\n\[… \d+ characters elided …\]\n/, '').length;
    const a = kept(compact[0]);
    const b = kept(compact[1]);
    expect(a).toBe(300);
    expect(b).toBe(100);
  });

  it('keeps the first and last outputs when there are too many', () => {
    const outputs: nbformat.IOutput[] = Array.from({ length: 100 }, (_, i) => ({
      output_type: 'display_data',
      metadata: {},
      data: { 'text/plain': `item ${i}` }
    }));
    const compact = compactOutputs(outputs, {
      outputLimit: 10000,
      maxOutputs: 10
    });
    expect(compact).toHaveLength(11);
    expect(textOf(compact[0])).toBe('item 0');
    expect(textOf(compact[5])).toContain('90 outputs omitted');
    expect(textOf(compact[10])).toBe('item 99');
  });

  it('round-trips Chinese output and does not mutate its input', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: ['销售额：', '1234\n'] }
    ];
    const copy = JSON.parse(JSON.stringify(outputs));
    const compact = compactOutputs(outputs, { outputLimit: 4000 });
    expect(textOf(compact[0])).toBe('销售额：1234\n');
    expect(outputs).toEqual(copy);
  });
});
