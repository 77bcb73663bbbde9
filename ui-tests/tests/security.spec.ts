/**
 * Security of what the panel renders (the server side is tests/test_security.py).
 *
 * - model output is inert: scripts, event handlers, javascript: links and command-linker
 *   attributes do nothing (JupyterLab CVE-2026-42557 / CVE-2026-40171 class);
 * - code shown for approval marks hidden characters (bidi overrides, zero-width, ANSI, controls)
 *   and runs exactly as it is (issue 14, "Low");
 * - no-click exfiltration through rendered output (issue 14, "High"): exfiltration.spec.ts, with
 *   the jest specs src/__tests__/remote.spec.ts, markdown.spec.tsx and renderPaths.spec.tsx;
 *   hidden characters: src/__tests__/hidden.spec.tsx.
 */
import { expect, test } from '@jupyterlab/galata';
import {
  notebookCells,
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
    await page.notebook.createNew('security.ipynb', { kernel: 'python3' });
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

    // Clicking what looks clickable does nothing (buttons in model output are disabled:
    // force the click through anyway).
    const before = page.url();
    for (const name of [
      'open the report',
      'markdown link',
      'run the command',
      'a command span'
    ]) {
      const target = answer.getByText(name, { exact: false });
      if ((await target.count()) > 0) {
        await target.first().click({ force: true });
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

test.describe('code shown for approval', () => {
  test('marks hidden characters, warns, and runs exactly the code shown', async ({
    page,
    request
  }) => {
    // A right-to-left override, a zero-width space and an ANSI escape inside a string.
    const code =
      's = "abc\u202edef\u200bghi\u001b[31m"\n' +
      'print([hex(ord(c)) for c in s if ord(c) < 32 or ord(c) > 126])';
    await page.notebook.createNew('hidden.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const autoRun = page.locator(
      '#jp-code-interp-panel .jp-CodeInterp-autoRun input'
    );
    await autoRun.uncheck();
    await script(request, toolReply(code), textReply('Done.'));
    await send(page, 'check the string');

    const step = page.locator('#jp-code-interp-panel .jp-CodeInterp-step');
    await expect(step).toHaveAttribute('data-status', 'awaiting');
    const shown = step.locator('.jp-CodeInterp-codeText');
    await expect(shown).toContainText(
      's = "abc⟪U+202E⟫def⟪U+200B⟫ghi⟪U+001B⟫[31m"'
    );
    await expect(step.locator('.jp-CodeInterp-hiddenChar')).toHaveCount(3);
    await expect(step.locator('.jp-CodeInterp-hiddenWarning')).toContainText(
      '3 hidden characters'
    );
    // What the page shows carries no bidi control that could reorder it.
    expect(await shown.textContent()).not.toMatch(
      /[\u202a-\u202e\u2066-\u2069]/
    );
    // The cell holds the code unchanged, and Run runs it as it is.
    expect((await notebookCells(page)).map(cell => cell.source)).toContain(
      code
    );
    await step.locator('.jp-CodeInterp-approveRun').click();
    await waitIdle(page);
    await expect(step).toHaveAttribute('data-status', 'ok');
    const ran = (await notebookCells(page)).find(cell => cell.source === code)!;
    expect(JSON.stringify(ran.outputs)).toContain(
      "['0x202e', '0x200b', '0x1b']"
    );
    await autoRun.check();
  });
});
