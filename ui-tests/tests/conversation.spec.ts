import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import {
  notebookCells,
  openPanel,
  received,
  reloadWithPanel,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';

/** Set the panel's auto-run toggle. */
async function setAutoRun(
  page: IJupyterLabPageFixture,
  on: boolean
): Promise<void> {
  const box = page.locator(`${PANEL} .jp-CodeInterp-autoRun input`);
  if ((await box.isChecked()) !== on) {
    await box.click();
  }
  await expect(box).toBeChecked({ checked: on });
}

/** Accept the confirmation dialog with its warn button (Undo, Delete). */
async function confirm(page: IJupyterLabPageFixture): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('.jp-mod-accept.jp-mod-warn').click();
  await expect(dialog).toHaveCount(0);
}

test.describe('approval, history, undo and conversations', () => {
  test('auto-run off: cells wait for Run or Skip; Skip is told to the model', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('approve.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await setAutoRun(page, false);
    await script(
      request,
      toolReply('x = 6 * 7\nprint(f"x is {x}")'),
      toolReply('print("should not run")'),
      textReply('All done.')
    );
    await send(page, 'compute x');

    const panel = page.locator(PANEL);
    const steps = panel.locator('.jp-CodeInterp-step');
    await expect(steps.first()).toHaveAttribute('data-status', 'awaiting');
    await expect(
      steps.first().locator('.jp-CodeInterp-approveEdit')
    ).toBeVisible();
    // The cell is in the notebook but did not run.
    let cells = await notebookCells(page);
    expect(cells.map(c => c.source)).toContain('x = 6 * 7\nprint(f"x is {x}")');
    expect(cells[cells.length - 1].executionCount).toBeNull();
    expect(cells[cells.length - 1].outputs).toEqual([]);

    await steps.first().locator('.jp-CodeInterp-approveRun').click();
    await expect(steps.first()).toHaveAttribute('data-status', 'ok');
    // The turn goes on: the second cell waits; Skip it.
    await expect(steps.nth(1)).toHaveAttribute('data-status', 'awaiting');
    await steps.nth(1).locator('.jp-CodeInterp-approveSkip').click();
    await waitIdle(page);
    await expect(steps.nth(1)).toHaveAttribute('data-status', 'skipped');

    cells = await notebookCells(page);
    const ran = cells.find(c => c.source.startsWith('x = 6 * 7'))!;
    expect(ran.executionCount).not.toBeNull();
    expect(JSON.stringify(ran.outputs)).toContain('x is 42');
    const skipped = cells.find(c => c.source === 'print("should not run")')!;
    expect(skipped.executionCount).toBeNull();
    expect(skipped.outputs).toEqual([]);

    const bodies = await received(request);
    expect(bodies).toHaveLength(3);
    expect(JSON.stringify(bodies[1].messages)).toContain('x is 42');
    expect(JSON.stringify(bodies[2].messages)).toContain('skipped');
    await setAutoRun(page, true);
  });

  test('Edit in notebook focuses the proposed cell; the edited code runs and the model gets it', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('edit.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await setAutoRun(page, false);
    await script(request, toolReply('y = 1\nprint(y)'), textReply('Ok.'));
    await send(page, 'print y');
    const step = page.locator(`${PANEL} .jp-CodeInterp-step`).first();
    await expect(step).toHaveAttribute('data-status', 'awaiting');

    await step.locator('.jp-CodeInterp-approveEdit').click();
    const active = page.locator('.jp-Notebook .jp-Cell.jp-mod-active');
    await expect(active.locator('.jp-InputArea-editor')).toContainText(
      'print(y)'
    );
    await expect(page.locator('.jp-Notebook.jp-mod-editMode')).toHaveCount(1);
    await page.keyboard.press('Control+a');
    await page.keyboard.type('y = 2; print(y * 21)');

    await step.locator('.jp-CodeInterp-approveRun').click();
    await waitIdle(page);
    await expect(step).toHaveAttribute('data-status', 'ok');
    const cells = await notebookCells(page);
    const edited = cells.find(c => c.source === 'y = 2; print(y * 21)')!;
    expect(JSON.stringify(edited.outputs)).toContain('42');
    const bodies = await received(request);
    expect(JSON.stringify(bodies[1].messages)).toContain(
      'y = 2; print(y * 21)'
    );
    await setAutoRun(page, true);
  });

  test('a reload of the page shows the conversation again', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('reload.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(
      request,
      toolReply('print("字符 ok")'),
      textReply('Printed **it**.')
    );
    await send(page, '打印一行');
    await waitIdle(page);

    await page.notebook.save();

    await reloadWithPanel(page);
    const panel = page.locator(PANEL);
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="user"]')
    ).toHaveText('打印一行');
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="assistant"]')
    ).toContainText('Printed it.');
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveCount(1);
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveAttribute(
      'data-status',
      'ok'
    );
  });

  test('undo removes the turn’s cells from the notebook and the turn from the panel', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('undo.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'base = 1');
    await openPanel(page);
    await script(request, toolReply('a = base + 1'), textReply('First.'));
    await send(page, 'first turn');
    await waitIdle(page);
    await script(
      request,
      toolReply('b = a + 1'),
      toolReply('c = b + 1'),
      textReply('Second.')
    );
    await send(page, 'second turn');
    await waitIdle(page);
    expect((await notebookCells(page)).map(c => c.source)).toEqual([
      'base = 1',
      'a = base + 1',
      'b = a + 1',
      'c = b + 1'
    ]);

    const panel = page.locator(PANEL);
    const undo = panel.locator('.jp-CodeInterp-undo');
    await expect(undo).toHaveCount(1);
    await undo.click();
    await expect(page.locator('.jp-Dialog')).toContainText(
      'variables, imported modules and written files stay'
    );
    await confirm(page);

    await expect
      .poll(async () => (await notebookCells(page)).map(c => c.source))
      .toEqual(['base = 1', 'a = base + 1']);
    const users = panel.locator('.jp-CodeInterp-message[data-role="user"]');
    await expect(users).toHaveCount(1);
    await expect(users).toHaveText('first turn');
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveCount(1);
    // The first turn is the last one now: it can be undone in turn.
    await expect(undo).toHaveCount(1);
  });

  test('new conversation, the list, opening and deleting an old one', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('convs.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator(PANEL);
    const users = panel.locator('.jp-CodeInterp-message[data-role="user"]');

    await script(request, textReply('Old answer.'));
    await send(page, '旧的对话');
    await waitIdle(page);
    await panel.locator('.jp-CodeInterp-newConversation').click();
    await expect(users).toHaveCount(0);

    await script(request, textReply('New answer.'));
    await send(page, 'the new conversation');
    await waitIdle(page);
    // The model of the new conversation did not see the old one.
    const bodies = await received(request);
    expect(JSON.stringify(bodies[0].messages)).not.toContain('旧的对话');

    await panel.locator('.jp-CodeInterp-conversationsButton').click();
    const items = panel.locator('.jp-CodeInterp-conversationItem');
    await expect(items).toHaveCount(2);
    await expect(items.nth(0)).toContainText('the new conversation');
    await expect(items.nth(0)).toHaveAttribute('data-current', 'true');
    await expect(items.nth(1)).toContainText('旧的对话');

    await items.nth(1).locator('.jp-CodeInterp-conversationOpen').click();
    await expect(users).toHaveCount(1);
    await expect(users).toHaveText('旧的对话');
    await expect(
      panel.locator('.jp-CodeInterp-message[data-role="assistant"]')
    ).toContainText('Old answer.');

    // Delete the other one (after a confirmation).
    await panel.locator('.jp-CodeInterp-conversationsButton').click();
    await expect(items).toHaveCount(2);
    const other = items.filter({ hasText: 'the new conversation' });
    await other.locator('.jp-CodeInterp-conversationDelete').click();
    await confirm(page);
    await panel.locator('.jp-CodeInterp-conversationsButton').click();
    await expect(items).toHaveCount(1);
    await expect(items.first()).toContainText('旧的对话');
  });
});
