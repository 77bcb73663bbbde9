import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import {
  LLM,
  notebookCells,
  openPanel,
  received,
  Reply,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

/** Queue more replies without forgetting the queue or the requests. */
async function scriptMore(
  request: APIRequestContext,
  ...replies: Reply[]
): Promise<void> {
  expect(
    (await request.post(`${LLM}/_script`, { data: replies })).ok()
  ).toBeTruthy();
}

/** Id of the notebook cell whose source is `source` (waits for it). */
async function cellIdOf(
  page: IJupyterLabPageFixture,
  source: string
): Promise<string> {
  let id = '';
  await expect
    .poll(
      async () => {
        id = await page.evaluate(wanted => {
          const panel = (window as any).jupyterapp.shell.currentWidget;
          const cell = panel.content.model.sharedModel.cells.find(
            (c: any) => c.getSource() === wanted
          );
          return cell ? String(cell.id) : '';
        }, source);
        return id;
      },
      { timeout: 30000 }
    )
    .not.toBe('');
  return id;
}

test.describe('self-repair, stop and notebook context', () => {
  test('a failing cell is fixed in place: one cell with the fixed code, both attempts in the panel', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.notebook.createNew('repair.ipynb', { kernel: 'python3' });
    await openPanel(page);
    // The first cell waits for a flag file, so that the fix (which must name the
    // cell's id, known only once the cell exists) is queued before it fails.
    const failing =
      'import os, time\n' +
      'while not os.path.exists("go.flag"):\n' +
      '    time.sleep(0.1)\n' +
      'print(1 / 0)';
    await script(request, toolReply(failing, 'Dividing.'));
    await send(page, 'divide one by zero, then fix it');
    const cellId = await cellIdOf(page, failing);
    await scriptMore(
      request,
      {
        text: 'That failed, fixing the cell.',
        tool_calls: [
          {
            name: 'run_code',
            arguments: JSON.stringify({
              code: 'print(1 / 1)',
              cell_id: cellId
            })
          }
        ]
      },
      textReply('Fixed: 1 / 1 is 1.0.')
    );
    await page.contents.uploadContent('go', 'text', `${tmpPath}/go.flag`);
    await waitIdle(page);

    const cells = await notebookCells(page);
    const code = cells.filter(cell => cell.source.trim() !== '');
    expect(code).toHaveLength(1);
    expect(code[0].source).toBe('print(1 / 1)');
    expect(JSON.stringify(code[0].outputs)).toContain('1.0');
    expect(JSON.stringify(code[0].outputs)).not.toContain('ZeroDivisionError');
    const sameId = await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      return panel.content.model.sharedModel.cells.map((c: any) => c.id);
    });
    expect(sameId).toContain(cellId);

    const steps = page.locator('#jp-code-interp-panel .jp-CodeInterp-step');
    await expect(steps).toHaveCount(2);
    await expect(steps.nth(0)).toHaveAttribute('data-status', 'error');
    await expect(steps.nth(0)).toContainText('ZeroDivisionError');
    await expect(steps.nth(1)).toHaveAttribute('data-status', 'ok');
    // The model was told about the error before it fixed the cell.
    const bodies = await received(request);
    expect(JSON.stringify(bodies[1].messages)).toContain('ZeroDivisionError');
  });

  test('the turn carries the notebook context: kernel variables reach the model', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('context.ipynb', { kernel: 'python3' });
    // The variable's name is built at run time: it reaches the model only
    // through the kernel inspection, not through the cell's source.
    await page.notebook.setCell(
      0,
      'code',
      'exec("hidden_" + "answer = 4242")\nprint("defined")'
    );
    await page.notebook.run();
    await openPanel(page);
    await script(
      request,
      toolReply('print(hidden_answer)'),
      textReply('hidden_answer is 4242.')
    );
    await send(page, 'what variables do I have?');
    await waitIdle(page);
    const bodies = await received(request);
    expect(bodies).toHaveLength(2);
    expect(JSON.stringify(bodies[0].messages)).toContain('hidden_answer');
    // The inspection was silent: the model's cell got the next execution count.
    const cells = await notebookCells(page);
    expect(cells).toHaveLength(2);
    expect(cells[1].executionCount).toBe(2);
    expect(JSON.stringify(cells[1].outputs)).toContain('4242');
  });

  test('images go to the server at most 768 px wide; the notebook keeps the original', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('image.ipynb', { kernel: 'python3' });
    await openPanel(page);
    // A 1600×400 grey gradient PNG, encoded by hand (no plotting library needed).
    const plot = [
      'import struct, zlib',
      'from IPython.display import Image, display',
      'w, h = 1600, 400',
      'row = b"\\x00" + bytes(x * 255 // w for x in range(w))',
      'def chunk(kind, data):',
      '    body = kind + data',
      '    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))',
      'png = (b"\\x89PNG\\r\\n\\x1a\\n"',
      '       + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))',
      '       + chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b""))',
      'display(Image(data=png))'
    ].join('\n');
    await script(request, toolReply(plot), textReply('A gradient.'));
    await send(page, 'draw a gradient');
    await waitIdle(page);
    const step = page.locator('#jp-code-interp-panel .jp-CodeInterp-step');
    await expect(step).toHaveAttribute('data-status', 'ok');
    const thumbnail = page.locator(
      '#jp-code-interp-panel .jp-CodeInterp-stepImage img'
    );
    await expect(thumbnail).toHaveCount(1);
    await expect
      .poll(() =>
        thumbnail.evaluate(img => [
          (img as HTMLImageElement).naturalWidth,
          (img as HTMLImageElement).naturalHeight
        ])
      )
      .toEqual([768, 192]);
    // The notebook's own output is the full-size image.
    const width = await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const cells = panel.content.model.sharedModel.cells;
      const output = cells[cells.length - 1].toJSON().outputs[0];
      const head = atob(output.data['image/png'].slice(0, 32));
      return new DataView(
        Uint8Array.from(head, c => c.charCodeAt(0)).buffer
      ).getUint32(16);
    });
    expect(width).toBe(1600);
  });
});

test.describe('Stop during a running cell', () => {
  // Galata's kernel tracking parses every kernels POST reply as JSON, and the
  // interrupt reply (204) has no body; sessions stay tracked and cleaned up.
  test.use({ kernels: null });

  test('Stop interrupts a running cell, and the next instruction works', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('stop.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply(
        'import time\nprint("slee" + "ping", flush=True)\ntime.sleep(60)'
      )
    );
    await send(page, 'sleep a minute');
    // The cell runs (its first line printed) before Stop is pressed.
    await expect
      .poll(
        async () =>
          JSON.stringify((await notebookCells(page)).map(c => c.outputs)),
        { timeout: 30000 }
      )
      .toContain('sleeping');
    await page.locator('#jp-code-interp-panel .jp-CodeInterp-stop').click();

    await expect
      .poll(
        async () =>
          JSON.stringify((await notebookCells(page)).map(c => c.outputs)),
        { timeout: 10000 }
      )
      .toContain('KeyboardInterrupt');
    await waitIdle(page);
    await expect(
      page.locator('#jp-code-interp-panel .jp-CodeInterp-turnNotice').last()
    ).toHaveAttribute('data-reason', 'stopped');

    await script(
      request,
      toolReply('print("after", 6 * 7)'),
      textReply('It printed 42.')
    );
    await send(page, 'print six times seven');
    await waitIdle(page);
    const cells = await notebookCells(page);
    expect(JSON.stringify(cells[cells.length - 1].outputs)).toContain(
      'after 42'
    );
    await expect(
      page.locator('#jp-code-interp-panel .jp-CodeInterp-step').last()
    ).toHaveAttribute('data-status', 'ok');
  });
});
