import { expect, test } from '@jupyterlab/galata';
import type { PlaywrightWorkerArgs } from '@playwright/test';

import {
  LLM,
  notebookCells,
  notebookWithKernel,
  openPanel,
  received,
  script,
  send,
  waitIdle
} from './helpers';

/** What an Ollama with two pulled models lists (the first is also configured). */
const LISTED = ['scripted-model', 'qwen2.5-coder:7b', 'deepseek-r1:1.5b'];
/** The scripted server's own list (tests/scripted_llm.py DEFAULT_MODELS). */
const DEFAULT_LIST = ['scripted-model', 'gpt-4o-mini'];

/** Make the endpoint list `models` and have the lab server ask for them again now. */
async function endpointLists(
  playwright: PlaywrightWorkerArgs['playwright'],
  models: string[]
): Promise<void> {
  const lab = `http://localhost:${process.env.CODE_INTERP_LAB_PORT ?? 8888}`;
  const request = await playwright.request.newContext({ baseURL: lab });
  const set = await request.post(`${LLM}/_models`, { data: { models } });
  expect(set.ok()).toBeTruthy();
  const listed = await request.get('/code-interp/providers/default/models');
  expect(listed.ok()).toBeTruthy();
  await request.dispose();
}

test.describe('models and reasoning from the endpoint', () => {
  // Before the page loads: the panel reads the server status once, when it starts.
  test.beforeAll(async ({ playwright }) => {
    await endpointLists(playwright, LISTED);
  });

  test.afterAll(async ({ playwright }) => {
    await endpointLists(playwright, DEFAULT_LIST);
  });

  test('the picker lists the endpoint’s models; reasoning shows collapsed, apart from the answer', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.notebook.createNew('endpoint.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator('#jp-code-interp-panel');
    const picker = panel.locator('.jp-CodeInterp-modelPicker');
    const listed = picker.locator('optgroup').first().locator('option');
    // Configured models first, then the ones only the endpoint lists.
    await expect(listed).toHaveText([
      'scripted-model',
      'scripted-fenced',
      'scripted-auto',
      'qwen2.5-coder:7b',
      'deepseek-r1:1.5b'
    ]);

    await script(request, {
      text:
        '<think>\nThe user says hi. Maybe:\n```python\nprint("never run")\n```\n</think>\n\n' +
        'Hello from R1.',
      chunk: 3
    });
    await picker.selectOption({ label: 'deepseek-r1:1.5b' });
    await send(page, 'hi');
    await waitIdle(page);
    expect((await received(request)).map(body => body.model)).toEqual([
      'deepseek-r1:1.5b'
    ]);

    const block = panel.locator('.jp-CodeInterp-reasoning');
    await expect(block).toHaveCount(1);
    await expect(block).not.toHaveAttribute('open', /.*/);
    await expect(block.locator('summary')).toHaveText(
      /^Thought for \d+\.\d s$/
    );
    await expect(block.locator('.jp-CodeInterp-reasoningText')).toBeHidden();
    const answer = panel.locator(
      '.jp-CodeInterp-message[data-role="assistant"]'
    );
    await expect(answer).toHaveText('Hello from R1.');
    await block.locator('summary').click();
    await expect(block.locator('.jp-CodeInterp-reasoningText')).toContainText(
      'The user says hi.'
    );
    await expect(panel).not.toContainText('<think>');
    const cells = await notebookCells(page);
    expect(cells.some(cell => cell.source.includes('never run'))).toBe(false);

    // A new notebook starts on the model used last (one with a kernel saved:
    // JupyterLab asks for none).
    await page.contents.uploadContent(
      JSON.stringify(notebookWithKernel()),
      'text',
      `${tmpPath}/next.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/next.ipynb`);
    await expect(picker.locator('option:checked')).toHaveText(
      'deepseek-r1:1.5b'
    );
  });
});
