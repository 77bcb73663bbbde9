import { expect, test } from '@jupyterlab/galata';
import {
  notebookCells,
  openPanel,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from '../tests/helpers';

/** The variable playwright-gateway.config.js sets in the gateway's environment only. */
const MARK = process.env.CODE_INTERP_GATEWAY_MARK ?? '';
const GATEWAY = `http://127.0.0.1:${process.env.CODE_INTERP_GATEWAY_PORT ?? 8933}`;

test.describe('kernels behind a Jupyter Kernel Gateway', () => {
  test('a turn inserts a cell that runs in the gateway kernel and the answer streams', async ({
    page,
    request
  }) => {
    expect(MARK).toMatch(/^kernel-gateway-on-/);
    await page.notebook.createNew('remote.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply(
        'import os\n' +
          'print("mark:", os.environ.get("CODE_INTERP_GATEWAY_MARK"), "pid:", os.getpid())\n' +
          'print("lab:", os.environ.get("CODE_INTERP_LAB_VARIABLE"))\n' +
          'print("key:", os.environ.get("OPENAI_API_KEY"))',
        'Checking where the kernel runs.'
      ),
      textReply('The kernel runs behind the **gateway**.')
    );
    await send(page, '内核在哪里运行？');
    await waitIdle(page);

    const panel = page.locator('#jp-code-interp-panel');
    const steps = panel.locator('.jp-CodeInterp-step');
    await expect(steps).toHaveCount(1);
    await expect(steps.first()).toHaveAttribute('data-status', 'ok');
    await expect(
      panel
        .locator('.jp-CodeInterp-message[data-role="assistant"]')
        .last()
        .locator('.jp-CodeInterp-markdown')
    ).toContainText('The kernel runs behind the gateway.');

    // The cell ran (execution count, output) and printed the variable only the gateway has.
    const cells = await notebookCells(page);
    expect(cells).toHaveLength(2);
    expect(cells[1].source).toContain('CODE_INTERP_GATEWAY_MARK');
    expect(cells[1].executionCount).toBe(1);
    const output = (await page.notebook.getCellTextOutput(1))?.join('') ?? '';
    expect(output).toContain(`mark: ${MARK}`);
    // The lab's environment reaches the gateway's kernel, but not the API key the lab had.
    expect(output).toContain('lab: from-the-lab');
    expect(output).toContain('key: None');
    expect(output).not.toContain('sk-lab-only-secret-key');

    // The notebook's kernel is one of the gateway's kernels.
    const kernelId = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.sessionContext.session
          ?.kernel?.id
    );
    expect(kernelId).toBeTruthy();
    const kernels = await (await request.get(`${GATEWAY}/api/kernels`)).json();
    expect(kernels.map((kernel: { id: string }) => kernel.id)).toContain(
      kernelId
    );
  });
});
