import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  openNotebook,
  openPanel,
  reloadWithPanel,
  received,
  Reply,
  script,
  send,
  textReply,
  waitIdle
} from './helpers';

/** A streamed call of one of the model's tools. */
function toolCall(name: string, args: Record<string, unknown>): Reply {
  return { tool_calls: [{ name, arguments: JSON.stringify(args) }] };
}

/** The text of the last user message of the model's last request. */
async function lastUserMessage(
  request: Parameters<typeof received>[0]
): Promise<string> {
  const requests = await received(request);
  const messages = requests[requests.length - 1].messages;
  const users = messages.filter(m => m.role === 'user');
  const content = users[users.length - 1].content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

/** Run the notebook's cells and wait for the kernel to finish. */
async function runAll(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.commands.execute('notebook:run-all-cells');
  });
  await expect(
    page.locator('.jp-Notebook .jp-InputPrompt').last()
  ).not.toHaveText(/\[\*\]|\[ \]/, { timeout: 60000 });
}

test.describe('Fix, Explain and Ask about cells', () => {
  test('a user cell that fails shows Fix; Fix sends the cell with its traceback', async ({
    page,
    request,
    tmpPath
  }) => {
    await script(request, textReply('The cell divides by zero.'));
    await openNotebook(page, `${tmpPath}/fix.ipynb`, ['1/0']);
    await runAll(page);
    const fix = page.locator('.jp-OutputArea .jp-CodeInterp-fixOutput');
    await expect(fix).toBeVisible();
    await expect(
      page.locator('.jp-OutputArea .jp-CodeInterp-explainOutput')
    ).toBeVisible();
    await fix.click();
    const panel = page.locator('#jp-code-interp-panel');
    await expect(panel).toBeVisible();
    await expect(panel.locator('.jp-CodeInterp-userText')).toHaveText(
      'Fix the error in cell [1].'
    );
    await expect(
      panel.locator('[data-role="user"] .jp-CodeInterp-cellChip')
    ).toHaveText('Cell [1]');
    await waitIdle(page);
    const message = await lastUserMessage(request);
    expect(message).toContain('Fix the error in cell [1].');
    expect(message).toContain('<attached_cells');
    const block = message.slice(message.indexOf('<attached_cells'));
    expect(block).toContain('1/0');
    expect(block).toContain('ZeroDivisionError');
    expect(block).toContain('Traceback');
  });

  test('the cell toolbar offers Explain for any output, Fix only for errors', async ({
    page,
    request,
    tmpPath
  }) => {
    await script(request, textReply('It prints the sum, 3.'));
    await openNotebook(page, `${tmpPath}/explain.ipynb`, ['print(1 + 2)']);
    await runAll(page);
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    const toolbar = page.locator('.jp-Notebook .jp-cell-toolbar');
    const explain = toolbar.locator(
      '[data-command="code-interp:explain-cell"]'
    );
    await expect(explain).toBeVisible();
    await expect(
      toolbar.locator('[data-command="code-interp:fix-cell"]')
    ).toBeHidden();
    await explain.click();
    const panel = page.locator('#jp-code-interp-panel');
    await expect(panel.locator('.jp-CodeInterp-userText')).toHaveText(
      'Explain the output of cell [1].'
    );
    await waitIdle(page);
    const message = await lastUserMessage(request);
    const block = message.slice(message.indexOf('<attached_cells'));
    expect(block).toContain('print(1 + 2)');
    expect(block).toContain('3');
  });

  test('the cell context menu offers Fix and Explain; Ask adds chips that are sent', async ({
    page,
    request,
    tmpPath
  }) => {
    await script(request, textReply('Both set a variable.'));
    await openNotebook(page, `${tmpPath}/ask.ipynb`, [
      'x = 40',
      'y = x + 2\ny',
      'z = 0'
    ]);
    await runAll(page);
    await openPanel(page);
    const cells = page.locator('.jp-Notebook .jp-Cell');
    await cells
      .nth(1)
      .locator('.jp-OutputArea-child')
      .click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    await expect(
      menu.getByRole('menuitem', {
        name: 'Explain with Code Interpreter',
        exact: true
      })
    ).toHaveCount(1);
    await expect(
      menu.getByRole('menuitem', {
        name: 'Fix with Code Interpreter',
        exact: true
      })
    ).toHaveCount(0);
    await page.keyboard.press('Escape');

    // Select the first two cells, then ask about them from the cell menu.
    await cells.nth(0).locator('.jp-InputPrompt').click();
    await cells
      .nth(1)
      .locator('.jp-InputPrompt')
      .click({ modifiers: ['Shift'] });
    await cells.nth(1).locator('.jp-InputPrompt').click({ button: 'right' });
    // On the cell (not its output) the cell's own items show, once.
    await expect(
      page.locator('.lm-Menu').getByRole('menuitem', {
        name: 'Explain with Code Interpreter',
        exact: true
      })
    ).toHaveCount(1);
    await page
      .locator('.lm-Menu')
      .getByRole('menuitem', {
        name: 'Ask Code Interpreter about the selected cells',
        exact: true
      })
      .click();
    const panel = page.locator('#jp-code-interp-panel');
    const chips = panel.locator(
      '.jp-CodeInterp-composer .jp-CodeInterp-cellChip'
    );
    await expect(chips).toHaveCount(2);
    await expect(chips).toHaveText([/Cell \[1\]/, /Cell \[2\]/]);
    // The palette's command adds the third cell; removing it drops it again.
    await cells.nth(2).locator('.jp-InputPrompt').click();
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('code-interp:ask-about-cells')
    );
    await expect(chips).toHaveCount(3);
    // The composer takes the focus for the question about them.
    await expect(panel.locator('.jp-CodeInterp-input')).toBeFocused();
    await chips.nth(2).locator('.jp-CodeInterp-chipRemove').click();
    await expect(chips).toHaveCount(2);

    await send(page, 'What do these cells do?');
    await expect(chips).toHaveCount(0);
    await expect(
      panel.locator('[data-role="user"] .jp-CodeInterp-cellChip')
    ).toHaveCount(2);
    await waitIdle(page);
    const message = await lastUserMessage(request);
    const block = message.slice(message.indexOf('<attached_cells'));
    expect(block).toContain('x = 40');
    expect(block).toContain('y = x + 2');
    expect(block).not.toContain('z = 0');
  });

  test('a plan and a question of the model render; a choice sends the answer', async ({
    page,
    request,
    tmpPath
  }) => {
    await script(
      request,
      toolCall('update_plan', {
        items: [
          { text: 'Load the data', done: false },
          { text: 'Plot it', done: false }
        ]
      }),
      toolCall('update_plan', {
        items: [
          { text: 'Load the data', done: true },
          { text: 'Plot it', done: false }
        ]
      }),
      toolCall('ask_user', {
        question: 'Which column should I plot?',
        choices: ['price', 'qty']
      }),
      textReply('Plotting price.')
    );
    expect(
      await page.contents.uploadContent(
        '# Rules\nAnswer briefly.\n',
        'text',
        `${tmpPath}/AGENTS.md`
      )
    ).toBe(true);
    await openNotebook(page, `${tmpPath}/plan.ipynb`, []);
    await openPanel(page);
    await send(page, 'plot the data');
    const panel = page.locator('#jp-code-interp-panel');
    await waitIdle(page);
    const plans = panel.locator('.jp-CodeInterp-plan');
    await expect(plans).toHaveCount(1);
    await expect(plans.locator('.jp-CodeInterp-planItem')).toHaveCount(2);
    await expect(
      plans.locator('.jp-CodeInterp-planItem[data-done="true"]')
    ).toHaveText('Load the data');
    await expect(panel.locator('.jp-CodeInterp-questionText')).toHaveText(
      'Which column should I plot?'
    );
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveCount(0);
    await expect(panel.locator('.jp-CodeInterp-rules')).toContainText(
      'Rules: AGENTS.md'
    );
    // The file's rules reached the model, in its system message.
    const requests = await received(request);
    const system = requests[0].messages.find(m => m.role === 'system');
    expect(JSON.stringify(system?.content)).toContain('Answer briefly.');

    // The history replays the plan, the rules and the question with its buttons.
    await reloadWithPanel(page);
    await expect(
      panel.locator('.jp-CodeInterp-planItem[data-done="true"]')
    ).toHaveText('Load the data');
    await expect(panel.locator('.jp-CodeInterp-rules')).toContainText(
      'Rules: AGENTS.md'
    );
    await expect(panel.locator('button.jp-CodeInterp-choice')).toHaveCount(2);
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveCount(0);
    await panel
      .locator('button.jp-CodeInterp-choice', { hasText: 'price' })
      .click();
    await expect(panel.locator('.jp-CodeInterp-userText').last()).toHaveText(
      'price'
    );
    await waitIdle(page);
    expect(await lastUserMessage(request)).toContain('price');
    // The old question keeps its choices, no longer as buttons.
    await expect(panel.locator('button.jp-CodeInterp-choice')).toHaveCount(0);

    await panel.locator('.jp-CodeInterp-rulesLink').first().click();
    await expect(
      page
        .locator(
          '.jp-MainAreaWidget .lm-TabBar-tabLabel, .lm-DockPanel-tabBar .lm-TabBar-tabLabel',
          {
            hasText: 'AGENTS.md'
          }
        )
        .first()
    ).toBeVisible();
  });
});
