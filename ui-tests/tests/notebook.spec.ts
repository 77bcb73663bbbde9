import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  errorReply,
  isDirty,
  notebookCells,
  openNotebook,
  openPanel,
  received,
  reloadLab,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';

/** A cell that says it started, then runs for a long time. */
const LONG_CELL = 'import time\nprint("sleeping", flush=True)\ntime.sleep(90)';

/** Wait until the cell with this source printed `text`. */
async function waitForOutput(
  page: IJupyterLabPageFixture,
  source: string,
  text: string
): Promise<void> {
  await expect
    .poll(
      async () => {
        const cell = (await notebookCells(page)).find(c => c.source === source);
        return JSON.stringify(cell?.outputs ?? []);
      },
      { timeout: 60000 }
    )
    .toContain(text);
}

/** Accept the confirmation dialog with its warn button (Undo). */
async function confirm(page: IJupyterLabPageFixture): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('.jp-mod-accept.jp-mod-warn').click();
  await expect(dialog).toHaveCount(0);
}

/** The execution state of a kernel, as the server reports it. */
async function kernelState(
  page: IJupyterLabPageFixture,
  kernelId: string
): Promise<string> {
  return page.evaluate(async (id: string) => {
    const settings = (window as any).jupyterapp.serviceManager.serverSettings;
    const response = await fetch(`${settings.baseUrl}api/kernels/${id}`, {
      headers: settings.token
        ? { Authorization: `token ${settings.token}` }
        : {}
    });
    return (await response.json()).execution_state as string;
  }, kernelId);
}

test.describe('the notebook a conversation works in', () => {
  // Galata's mock of the kernels API answers a kernel interrupt (204, no body) with a JSON
  // parse error that ends the test: these tests interrupt kernels, so the API stays real
  // (sessions, and so their kernels, are still tracked and shut down after each test).
  test.use({ kernels: null });

  test('a turn is saved: after a reload its cells are there, the notebook is clean, and the next turn continues after them', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/saved.ipynb`, ['base = 6']);
    await openPanel(page);
    await script(
      request,
      toolReply('base = 6\nx = base * 7\nprint(x)'),
      textReply('It is 42.')
    );
    await send(page, 'multiply base by seven');
    await waitIdle(page);
    await expect.poll(() => isDirty(page)).toBe(false);

    await reloadLab(page);
    expect((await notebookCells(page)).map(c => c.source)).toEqual([
      'base = 6',
      'base = 6\nx = base * 7\nprint(x)'
    ]);
    expect(await isDirty(page)).toBe(false);

    // The reloaded page selects the first cell: the next turn still continues at the end.
    await openPanel(page);
    await script(request, toolReply('print("next")'), textReply('Done.'));
    await send(page, 'print next');
    await waitIdle(page);
    expect((await notebookCells(page)).map(c => c.source)).toEqual([
      'base = 6',
      'base = 6\nx = base * 7\nprint(x)',
      'print("next")'
    ]);
    await expect.poll(() => isDirty(page)).toBe(false);
  });

  test('Undo of a stopped turn removes the interrupted cell too, and saves', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/stopped.ipynb`, ['keep = 1']);
    await openPanel(page);
    await script(request, toolReply(LONG_CELL), textReply('never'));
    await send(page, 'sleep a while');
    await waitForOutput(page, LONG_CELL, 'sleeping');
    const panel = page.locator(PANEL);
    await panel.locator('.jp-CodeInterp-stop').click();
    await waitIdle(page);
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveAttribute(
      'data-reason',
      'stopped'
    );

    await panel.locator('.jp-CodeInterp-undo').click();
    await confirm(page);
    await expect
      .poll(async () => (await notebookCells(page)).map(c => c.source))
      .toEqual(['keep = 1']);
    await expect.poll(() => isDirty(page)).toBe(false);
  });

  test('a reload mid-cell interrupts the kernel, and the panel says so', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/reloaded.ipynb`);
    await openPanel(page);
    await script(request, toolReply(LONG_CELL), textReply('never'));
    await send(page, 'sleep a while');
    await waitForOutput(page, LONG_CELL, 'sleeping');
    const kernelId = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.sessionContext.session
          .kernel.id as string
    );
    expect(await kernelState(page, kernelId)).toBe('busy');

    await reloadLab(page);
    // Interrupted, not left sleeping for 90 s.
    await expect
      .poll(() => kernelState(page, kernelId), { timeout: 30000 })
      .toBe('idle');
    await openPanel(page);
    await expect(
      page.locator(`${PANEL} .jp-CodeInterp-turnNotice`)
    ).toContainText(
      'The panel was closed or reloaded while a cell ran: the turn was stopped and the kernel interrupted'
    );
  });

  test('with no notebook open, asking about a file creates a notebook named after the instruction', async ({
    page,
    request,
    tmpPath
  }) => {
    expect(
      await page.contents.uploadContent(
        '城市,GDP\n北京,4.4\n',
        'text',
        `${tmpPath}/gdp.csv`
      )
    ).toBe(true);
    await page.filebrowser.openDirectory(tmpPath);
    await expect(page.locator('.jp-NotebookPanel')).toHaveCount(0);
    const item = page.locator('.jp-DirListing-item', { hasText: 'gdp.csv' });
    await item.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Ask Code Interpreter' }).click();

    const panel = page.locator(PANEL);
    await expect(panel.locator('.jp-CodeInterp-noNotebook')).toContainText(
      `your first instruction creates one in ${tmpPath}`
    );
    await expect(panel.locator('.jp-CodeInterp-attachments')).toContainText(
      'gdp.csv'
    );
    await script(
      request,
      toolReply("import pandas as pd\nprint(pd.read_csv('gdp.csv').shape)"),
      textReply('One row.')
    );
    await send(page, '分析 GDP 数据');
    await expect(page.locator('.jp-NotebookPanel')).toHaveCount(1, {
      timeout: 30000
    });
    await waitIdle(page);

    expect(
      await page.contents.fileExists(`${tmpPath}/分析-GDP-数据.ipynb`)
    ).toBe(true);
    const cells = await notebookCells(page);
    const code = cells.find(c => c.type === 'code' && c.source.includes('pd'));
    expect(JSON.stringify(code?.outputs)).toContain('(1, 2)');
    const bodies = await received(request);
    expect(JSON.stringify(bodies[0].messages)).toContain('gdp.csv');
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveAttribute(
      'data-reason',
      'done'
    );
  });

  test('Retry sends a failed instruction again; a failed one is not sent with the next', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/retry.ipynb`);
    await openPanel(page);
    const panel = page.locator(PANEL);
    await script(
      request,
      errorReply(401, 'Incorrect API key provided.'),
      errorReply(401, 'Incorrect API key provided.')
    );
    await send(page, 'DELETE every file');
    await waitIdle(page);
    const retry = panel.locator('.jp-CodeInterp-retryTurn');
    await expect(retry).toHaveCount(1);
    await retry.click();
    await waitIdle(page);
    let bodies = await received(request);
    expect(bodies).toHaveLength(2);
    const lastUser = (body: (typeof bodies)[number]) =>
      String(body.messages.at(-1)?.content);
    expect(lastUser(bodies[1])).toMatch(/DELETE every file$/);
    expect(lastUser(bodies[1]).split('DELETE every file')).toHaveLength(2);
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="user"]')
    ).toHaveCount(2);

    await script(request, textReply('Two.'));
    await send(page, 'what is 1 + 1?');
    await waitIdle(page);
    bodies = await received(request);
    expect(JSON.stringify(bodies[0].messages)).not.toContain('DELETE');
  });
});
