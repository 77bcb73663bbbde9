import { expect, test } from '@jupyterlab/galata';
import {
  notebookCells,
  openNotebook,
  openPanel,
  received,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

/** Any kernel (issue 15): a whole turn in a notebook of the bash kernel (bash_kernel). */
test.describe('a bash notebook', () => {
  test('completes a turn: the model is told about Bash and its code runs in bash', async ({
    page,
    request
  }) => {
    await openNotebook(page, 'shell.ipynb', ['echo start'], {
      name: 'bash',
      display_name: 'Bash',
      language: 'bash'
    });
    await openPanel(page);

    await script(
      request,
      toolReply('echo $((6*7))', 'Bash computes it.'),
      textReply('Six times seven is 42.')
    );
    await send(page, 'What is 6*7? Use the shell.');
    await waitIdle(page);

    const panel = page.locator('#jp-code-interp-panel');
    await expect(panel.locator('.jp-CodeInterp-step').first()).toHaveAttribute(
      'data-status',
      'ok'
    );
    const cells = await notebookCells(page);
    expect(cells.map(cell => cell.source)).toEqual([
      'echo start',
      'echo $((6*7))'
    ]);
    expect(await page.notebook.getCellTextOutput(1)).toEqual([
      expect.stringContaining('42')
    ]);

    const bodies = await received(request);
    expect(bodies).toHaveLength(2);
    const system = bodies[0].messages[0].content as string;
    expect(system).toContain('running Bash code in the notebook');
    expect(system.toLowerCase()).not.toContain('python');
    // The panel sent the kernel's language (not null): the context names it.
    const context = bodies[0].messages[bodies[0].messages.length - 1]
      .content as string;
    expect(context).toContain(
      'Kernel: Bash (its variables are not inspected).'
    );
    expect(context).toContain('```bash\necho start\n```');
    const tool = bodies[1].messages.find(message => message.role === 'tool');
    expect(String(tool?.content).trim()).toBe('42');
  });
});
