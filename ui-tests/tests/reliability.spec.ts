import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { WebSocketRoute } from '@playwright/test';
import {
  notebookCells,
  notebookWithKernel,
  openPanel,
  received,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';

/** Wait until the turn's cell runs in the kernel (the step shows it running). */
async function waitForRunningStep(page: IJupyterLabPageFixture): Promise<void> {
  await expect(
    page.locator(`${PANEL} .jp-CodeInterp-step[data-status="running"]`)
  ).toHaveCount(1, { timeout: 60000 });
  // The cell itself runs (its prompt shows `*`), not only the silent setup code.
  await expect(
    page.locator('.jp-Notebook .jp-Cell').last().locator('.jp-InputPrompt')
  ).toContainText('*', { timeout: 60000 });
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (window as any).jupyterapp.shell.currentWidget?.sessionContext
            ?.session?.kernel?.status
      )
    )
    .toBe('busy');
}

/** The turn is over, no step spins, and the panel says `why` somewhere. */
async function expectEndedWith(
  page: IJupyterLabPageFixture,
  why: RegExp
): Promise<void> {
  await waitIdle(page);
  const panel = page.locator(PANEL);
  await expect(
    panel.locator('.jp-CodeInterp-step[data-status="running"]')
  ).toHaveCount(0);
  await expect(panel).toContainText(why);
}

/** A next turn in the current notebook runs its cell and answers. */
async function nextTurnWorks(
  page: IJupyterLabPageFixture,
  request: Parameters<typeof script>[0]
): Promise<void> {
  // JupyterLab's own "Kernel Restarting" notice, if any, is read and closed.
  const notice = page.locator('.jp-Dialog .jp-mod-accept');
  if (await notice.count()) {
    await notice.first().click();
  }
  await script(
    request,
    toolReply('print(20 + 22)'),
    textReply('It works again: 42.')
  );
  await send(page, 'try again');
  await waitIdle(page);
  const panel = page.locator(PANEL);
  await expect(
    panel
      .locator('.jp-CodeInterp-message[data-role="assistant"]')
      .last()
      .locator('.jp-CodeInterp-markdown')
  ).toContainText('It works again: 42.');
  await expect(panel.locator('.jp-CodeInterp-step').last()).toHaveAttribute(
    'data-status',
    'ok'
  );
  const cells = await notebookCells(page);
  expect(JSON.stringify(cells[cells.length - 1].outputs)).toContain('42');
}

test.describe('closing the notebook ends the turn cleanly', () => {
  test('the notebook is closed mid-turn', async ({
    page,
    request,
    tmpPath
  }) => {
    // A second notebook for the next turn (with a kernel saved, so none is asked for).
    await page.contents.uploadContent(
      JSON.stringify(notebookWithKernel()),
      'text',
      `${tmpPath}/other.ipynb`
    );
    await page.notebook.createNew('closed.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply('import time\ntime.sleep(60)'),
      textReply('This answer must not be needed.')
    );
    await send(page, 'sleep for a minute');
    await waitForRunningStep(page);
    // As the user does it: close the tab and discard the unsaved changes.
    void page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('application:close')
    );
    await page.getByRole('button', { name: /discard|don.t save/i }).click();
    await waitIdle(page);

    // The next turn works (in another notebook: the closed one's kernel still sleeps).
    await page.notebook.openByPath(`${tmpPath}/other.ipynb`);
    await nextTurnWorks(page, request);

    // Opened again, the closed notebook shows how its turn ended. JupyterLab asks
    // for a kernel when its file has none saved, unless the notebook's earlier
    // session is still alive and is reused (both happen, depending on timing).
    await page.notebook.openByPath(`${tmpPath}/closed.ipynb`);
    const selectKernel = page.getByRole('button', { name: 'Select Kernel' });
    await selectKernel
      .waitFor({ timeout: 5000 })
      .then(() => selectKernel.click())
      .catch(() => undefined);
    await expectEndedWith(page, /The notebook .*closed\.ipynb was closed/);
  });
});

test.describe('a kernel that dies or is restarted ends the turn cleanly', () => {
  // Galata's kernel tracking answers POST .../restart with 201, which JupyterLab
  // refuses (it expects 200), and a restarted kernel then never reports idle:
  // no tracking here.
  test.use({ kernels: null });

  test('the kernel dies mid-cell', async ({ page, request }) => {
    await page.notebook.createNew('dies.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply('import os, time\ntime.sleep(1)\nos._exit(1)'),
      textReply('This answer must not be needed.')
    );
    await send(page, 'crash the kernel');
    await expectEndedWith(page, /The kernel died while the cell ran/);
    await expect(
      page.locator(`${PANEL} .jp-CodeInterp-step`).first()
    ).not.toHaveAttribute('data-status', 'ok');
    await nextTurnWorks(page, request);
  });

  test('the user restarts the kernel mid-turn', async ({ page, request }) => {
    await page.notebook.createNew('restart.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply('import time\ntime.sleep(60)'),
      textReply('This answer must not be needed.')
    );
    await send(page, 'sleep for a minute');
    await waitForRunningStep(page);
    // As the user does it: the toolbar's restart, confirmed in its dialog.
    void page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('notebook:restart-kernel')
    );
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await expectEndedWith(page, /The kernel was restarted while the cell ran/);
    await expect(
      page.locator(`${PANEL} .jp-CodeInterp-step`).first()
    ).not.toHaveAttribute('data-status', 'ok');
    await nextTurnWorks(page, request);
  });
});

test.describe('a chat socket that drops mid-turn', () => {
  test('the panel reconnects and shows the turn as the server ended it, nothing twice', async ({
    page,
    request
  }) => {
    // Route the chat socket through the test so it can be cut like a network failure.
    const routes: WebSocketRoute[] = [];
    await page.routeWebSocket(/code-interp\/chat/, ws => {
      ws.connectToServer();
      routes.push(ws);
    });
    await page.reload();
    await page.notebook.createNew('dropped.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await expect.poll(() => routes.length).toBeGreaterThan(0);

    const slow = { text: 'a slow answer '.repeat(60), chunk: 3, delay: 0.05 };
    await script(request, slow);
    await send(page, 'a question whose socket drops');
    const panel = page.locator(PANEL);
    const answers = panel.locator(
      '.jp-CodeInterp-message[data-role="assistant"]'
    );
    await expect(answers.first()).toContainText('a slow answer');
    const before = routes.length;
    const cut = routes[routes.length - 1];
    await cut.close({ code: 4000, reason: 'network gone' });

    // The panel reconnects by itself and shows the server's record of the turn.
    await expect.poll(() => routes.length).toBeGreaterThan(before);
    await expectEndedWith(
      page,
      /Error: The connection to the panel was lost, so the turn was stopped\./
    );
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="user"]')
    ).toHaveCount(1);
    await expect(answers).toHaveCount(1);
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveCount(1);

    await script(request, textReply('fresh answer'));
    await send(page, 'after the drop');
    await waitIdle(page);
    await expect(answers).toHaveCount(2);
    await expect(answers.last()).toContainText('fresh answer');
    const bodies = await received(request);
    const sent = JSON.stringify(bodies[bodies.length - 1].messages);
    // The model never answered the dropped turn: it is not sent along with the next one.
    expect(sent).not.toContain('a question whose socket drops');
    expect(sent).toContain('after the drop');
  });
});
