import { expect, test } from '@jupyterlab/galata';
import {
  notebookCells,
  openPanel,
  received,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

test.describe('one instruction, end to end', () => {
  test('code runs as a new cell in the notebook kernel, the answer streams, a second turn sees the first', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('spine.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'base = 6');
    await page.notebook.run();
    await openPanel(page);

    await script(
      request,
      toolReply('x = base * 7\nprint(f"x is {x}")', 'Let me compute.'),
      textReply('The answer is **42**.')
    );
    await send(page, 'multiply base by seven');
    await waitIdle(page);

    const panel = page.locator('#jp-code-interp-panel');
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="user"]').first()
    ).toContainText('multiply base by seven');
    const answer = panel
      .locator('.jp-CodeInterp-message[data-role="assistant"]')
      .last();
    await expect(answer.locator('.jp-CodeInterp-markdown')).toContainText(
      'The answer is 42.'
    );
    // Markdown was rendered, not shown raw.
    await expect(answer.locator('.jp-CodeInterp-markdown strong')).toHaveText(
      '42'
    );
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveCount(1);
    await expect(panel.locator('.jp-CodeInterp-step').first()).toHaveAttribute(
      'data-status',
      'ok'
    );

    // The code is a real cell of the notebook, after the active cell, run in its kernel
    // (it used `base`, defined by the user's own cell).
    let cells = await notebookCells(page);
    expect(cells).toHaveLength(2);
    expect(cells[1].source).toBe('x = base * 7\nprint(f"x is {x}")');
    expect(cells[1].executionCount).toBe(2);
    expect(await page.notebook.getCellTextOutput(1)).toEqual(
      expect.arrayContaining([expect.stringContaining('x is 42')])
    );

    // The output went back to the model.
    let bodies = await received(request);
    expect(bodies).toHaveLength(2);
    expect(JSON.stringify(bodies[1].messages)).toContain('x is 42');

    // Second turn: inserted after the cell the first turn inserted; the model sees turn one.
    await script(
      request,
      toolReply('print(x + 1)'),
      textReply('Plus one gives 43.')
    );
    await send(page, '再加一');
    await waitIdle(page);
    await expect(
      panel
        .locator('.jp-CodeInterp-message[data-role="assistant"]')
        .last()
        .locator('.jp-CodeInterp-markdown')
    ).toContainText('Plus one gives 43.');
    cells = await notebookCells(page);
    expect(cells).toHaveLength(3);
    expect(cells[2].source).toBe('print(x + 1)');
    expect(JSON.stringify(cells[2].outputs)).toContain('43');
    bodies = await received(request);
    const history = JSON.stringify(bodies[0].messages);
    expect(history).toContain('multiply base by seven');
    expect(history).toContain('再加一');
    expect(history).toContain('x is 42');
  });

  test('an error is shown on its step and fed back to the model; clicking the step selects its cell', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('errors.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply('1 / 0'),
      toolReply('print("fixed")'),
      textReply('Fixed it.')
    );
    await send(page, 'divide');
    await waitIdle(page);
    const steps = page.locator('#jp-code-interp-panel .jp-CodeInterp-step');
    await expect(steps).toHaveCount(2);
    await expect(steps.nth(0)).toHaveAttribute('data-status', 'error');
    await expect(steps.nth(0)).toContainText('ZeroDivisionError');
    await expect(steps.nth(1)).toHaveAttribute('data-status', 'ok');
    const bodies = await received(request);
    expect(JSON.stringify(bodies[1].messages)).toContain('ZeroDivisionError');

    // Clicking a step selects its cell in the notebook.
    await steps.nth(0).click();
    await expect(
      page.locator('.jp-Notebook .jp-Cell.jp-mod-active .jp-InputArea-editor')
    ).toContainText('1 / 0');
  });

  test('without a notebook the panel offers to create one', async ({
    page
  }) => {
    await openPanel(page);
    const card = page.locator(
      '#jp-code-interp-panel .jp-CodeInterp-noNotebook'
    );
    await expect(card).toBeVisible();
    await card.locator('.jp-CodeInterp-createNotebook').click();
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await expect(
      page.locator('#jp-code-interp-panel .jp-CodeInterp-input')
    ).toBeVisible();
  });
});
