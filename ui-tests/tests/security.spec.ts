import { expect, test } from '@jupyterlab/galata';
import {
  openPanel,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

/** Model output that would run code, or a JupyterLab command, if it were rendered as is. */
const HOSTILE = [
  'Here is the result.',
  '',
  '<script>window.__pwned = "script";</script>',
  '',
  '<img src="x" onerror="window.__pwned = \'onerror\'" alt="plot">',
  '',
  '<a href="javascript:window.__pwned = \'html-link\'" id="evil-html-link">open the report</a>',
  '',
  "[markdown link](javascript:window.__pwned='md-link')",
  '',
  '<button data-commandlinker-command="test:pwned" data-commandlinker-args="{}">run the command</button>',
  '',
  '<span data-commandlinker-command="test:pwned">a command span</span>',
  '',
  '<svg><script>window.__pwned = "svg"</script></svg>',
  '',
  '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
  '',
  'The end.'
].join('\n');

test.describe('model output is inert in the panel', () => {
  test('scripts, event handlers, javascript: links and command-linker attributes do nothing', async ({
    page,
    request
  }) => {
    await page.evaluate(() => {
      const w = window as any;
      w.__pwned = null;
      // A command that a data-commandlinker-command attribute would run when clicked.
      w.jupyterapp.commands.addCommand('test:pwned', {
        execute: () => {
          w.__pwned = 'commandlinker';
        }
      });
    });
    await page.notebook.createNew('security.ipynb');
    await openPanel(page);
    // The same text also reaches the panel as the code of a step and in its output.
    await script(
      request,
      toolReply(
        'print("<img src=x onerror=\\"window.__pwned=\'step\'\\">")',
        'Running <img src=x onerror="window.__pwned=\'pre-step\'">'
      ),
      textReply(HOSTILE)
    );
    await send(page, 'show me something dangerous');
    await waitIdle(page);

    const panel = page.locator('#jp-code-interp-panel');
    const answer = panel
      .locator('.jp-CodeInterp-message[data-role="assistant"]')
      .last()
      .locator('.jp-CodeInterp-markdown');
    await expect(answer).toContainText('Here is the result.');
    await expect(answer).toContainText('The end.');

    // Clicking what looks clickable does nothing.
    const before = page.url();
    for (const name of [
      'open the report',
      'markdown link',
      'run the command',
      'a command span'
    ]) {
      const target = answer.getByText(name, { exact: false });
      if ((await target.count()) > 0) {
        await target.first().click();
      }
    }
    // Image errors fire asynchronously: wait until every image has loaded or failed.
    await expect
      .poll(() =>
        panel
          .locator('img')
          .evaluateAll(images =>
            images.every(image => (image as HTMLImageElement).complete)
          )
      )
      .toBe(true);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeNull();
    expect(page.url()).toBe(before);
    // Not even JupyterLab's "Run Command?" confirmation for an untrusted command link.
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    expect(page.context().pages()).toHaveLength(1);

    // And nothing executable is left in the page.
    const dangerous = await panel
      .locator(
        'script, iframe, [onerror], [data-commandlinker-command], [data-commandlinker-args]'
      )
      .evaluateAll(found => found.map(element => element.outerHTML));
    expect(dangerous).toEqual([]);
    const hrefs = await panel
      .locator('a')
      .evaluateAll(links => links.map(link => link.getAttribute('href') ?? ''));
    for (const href of hrefs) {
      expect(href.trim().toLowerCase()).not.toMatch(/^javascript:/);
    }
  });
});
