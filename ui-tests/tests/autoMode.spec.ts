import { expect, test } from '@jupyterlab/galata';
import {
  notebookCells,
  openPanel,
  received,
  script,
  send,
  textReply,
  waitIdle
} from './helpers';

test.describe('automatic tool mode', () => {
  test('a fenced reply to a tools request runs in the notebook, and the model is marked', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('auto.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator('#jp-code-interp-panel');
    const picker = panel.locator('.jp-CodeInterp-modelPicker');
    await picker.selectOption({ label: 'scripted-auto' });
    // What llama.cpp's server without --jinja does with a tools request: a ```python block.
    await script(
      request,
      textReply('I will compute it.\n```python\nprint(6 * 7)\n```\n'),
      textReply('6 × 7 = 42.')
    );
    await send(page, 'What is 6*7?');
    await waitIdle(page);

    const code = (await notebookCells(page)).filter(
      cell => cell.type === 'code' && cell.source
    );
    expect(code.map(cell => cell.source)).toEqual(['print(6 * 7)']);
    expect(JSON.stringify(code[0].outputs)).toContain('42');
    const bodies = (await received(request)) as Array<Record<string, unknown>>;
    expect(bodies.map(body => 'tools' in body)).toEqual([true, false]);
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveCount(1);
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="assistant"]').last()
    ).toContainText('6 × 7 = 42.');

    // The picker marks the model; the reset lets it try tool calls again.
    await expect(picker.locator('option:checked')).toHaveText(
      'scripted-auto (code blocks)'
    );
    await panel.locator('.jp-CodeInterp-resetMode').click();
    await expect(picker.locator('option:checked')).toHaveText('scripted-auto');
    await expect(panel.locator('.jp-CodeInterp-resetMode')).toHaveCount(0);
  });
});
