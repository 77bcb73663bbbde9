import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  openNotebook,
  openPanel,
  panelWidth,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';

/** A long answer, streamed slowly enough to look at the panel while it comes. */
function longAnswer(lines: number, delay = 0.03): Record<string, unknown> {
  const text = Array.from(
    { length: lines },
    (_, index) => `Line ${index + 1} of a long explanation of the results.\n`
  ).join('\n');
  return { text, chunk: 60, delay };
}

/**
 * How far (px) the message list is from its end, as painted: the panel scrolls from a
 * ResizeObserver, whose callbacks run in the next rendering step after the DOM changed.
 */
async function distanceFromEnd(list: Locator): Promise<number> {
  return list.evaluate(async (node: HTMLElement) => {
    for (let frame = 0; frame < 2; frame++) {
      await new Promise(resolve => requestAnimationFrame(resolve));
    }
    return node.scrollHeight - node.scrollTop - node.clientHeight;
  });
}

test.describe('the panel follows the conversation', () => {
  // After the reload the notebook, not the Launcher Galata waits for, is the active tab:
  // wait for JupyterLab to have restored its layout instead.
  test.use({
    waitForApplication: async ({}, use) => {
      await use(async page => {
        await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
        await page.evaluate(() => (window as any).jupyterapp.restored);
      });
    }
  });

  test('keeps the streaming end in view, leaves a reader alone, jumps back, opens at the end after a reload', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/follow.ipynb`);
    await openPanel(page);
    const list = page.locator(`${PANEL} .jp-CodeInterp-messages`);
    const jump = page.locator(`${PANEL} .jp-CodeInterp-jumpLatest`);

    await script(request, longAnswer(60));
    await send(page, 'explain at length');
    const answer = page.locator(
      `${PANEL} .jp-CodeInterp-message[data-role="assistant"]`
    );
    await expect(answer).toContainText('Line 10');
    // While it streams, and after, the end is in view.
    for (const line of [20, 35]) {
      await expect(answer).toContainText(`Line ${line}`);
      // The panel follows on the next frame after a delta renders: poll, do not sample once.
      await expect.poll(() => distanceFromEnd(list)).toBeLessThan(48);
    }
    await waitIdle(page);
    await expect(answer).toContainText('Line 60');
    await expect.poll(() => distanceFromEnd(list)).toBeLessThan(48);
    await expect(jump).toHaveCount(0);

    // The reader scrolls up during the next answer: the panel stays there.
    await script(request, longAnswer(60, 0.05));
    await send(page, 'and again');
    await expect(answer.last()).toContainText('Line 5');
    const user = page.locator(
      `${PANEL} .jp-CodeInterp-message[data-role="user"]`
    );
    // On send, the new instruction came into view.
    await expect(user.last()).toBeInViewport();
    await list.hover();
    await page.mouse.wheel(0, -100000);
    await expect(jump).toBeVisible();
    await expect(jump).toHaveText('↓ Jump to latest');
    const top = await list.evaluate((node: HTMLElement) => node.scrollTop);
    await expect(answer.last()).toContainText('Line 40');
    expect(await list.evaluate((node: HTMLElement) => node.scrollTop)).toBe(
      top
    );
    await jump.click();
    await expect(jump).toHaveCount(0);
    // The answer still streams: the scroll to a new end lands on the frame after each delta.
    await expect.poll(() => distanceFromEnd(list)).toBeLessThan(48);
    await waitIdle(page);
    await expect.poll(() => distanceFromEnd(list)).toBeLessThan(48);

    // After a reload the conversation opens at its end.
    await page.reload();
    await openPanel(page);
    await expect(answer).toHaveCount(2);
    await expect(answer.last()).toContainText('Line 60');
    await expect
      .poll(() => distanceFromEnd(list), { timeout: 10000 })
      .toBeLessThan(48);
  });
});

test.describe('the panel is readable at its default width', () => {
  test('opens about 420 px wide and remembers the width the user drags it to', async ({
    page
  }) => {
    await openPanel(page);
    expect(Math.abs((await panelWidth(page)) - 420)).toBeLessThanOrEqual(4);

    // Drag the handle between the main area and the right sidebar 100 px left.
    const handle = page
      .locator(
        '#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)'
      )
      .last();
    const box = (await handle.boundingBox())!;
    // JupyterLab writes its state database into the workspace, debounced.
    const saved = page.waitForRequest(
      request =>
        request.method() === 'PUT' &&
        request.url().includes('/api/workspaces') &&
        (request.postData() ?? '').includes('jupyter-code-interp:panel-width')
    );
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2, {
      steps: 5
    });
    await page.mouse.up();
    const dragged = await panelWidth(page);
    expect(Math.abs(dragged - 520)).toBeLessThanOrEqual(4);

    // Another right-sidebar panel, narrower, then ours again: ours keeps its width.
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute(
        'property-inspector:show-panel'
      );
    });
    await page.waitForTimeout(300);
    await openPanel(page);
    await expect.poll(() => panelWidth(page)).toBe(dragged);

    await saved;
    await page.reload();
    await openPanel(page);
    await expect
      .poll(async () => Math.abs((await panelWidth(page)) - dragged))
      .toBeLessThanOrEqual(4);
  });

  test('code and tables scroll sideways, plots are large and open in a tab, figures are not cut off', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/readable.ipynb`);
    await openPanel(page);
    const wide = `result = compare(${Array.from({ length: 12 }, (_, i) => `city_${i}`).join(', ')})`;
    const table = [
      `| ${Array.from({ length: 10 }, (_, i) => `column ${i}`).join(' | ')} |`,
      `|${' --- |'.repeat(10)}`,
      `| ${Array.from({ length: 10 }, (_, i) => `value ${i * 1000}`).join(' | ')} |`
    ].join('\n');
    await script(
      request,
      toolReply(
        [
          'import matplotlib.pyplot as plt',
          'fig, ax = plt.subplots(figsize=(6.4, 4))',
          'ax.bar(["北京", "上海", "天津", "重庆"], [4.38, 4.72, 1.67, 3.01])',
          'ax.set_title("四个直辖市的 GDP（万亿元）")',
          'plt.show()'
        ].join('\n')
      ),
      textReply(`Here:\n\n\`\`\`python\n${wide}\n\`\`\`\n\n${table}\n`)
    );
    await send(page, 'plot and tabulate');
    await waitIdle(page);
    const panel = page.locator(PANEL);

    const pre = panel.locator('.jp-CodeInterp-markdown pre').first();
    const code = await pre.evaluate((node: HTMLElement) => ({
      scrolls: node.scrollWidth > node.clientWidth,
      overflow: getComputedStyle(node).overflowX,
      lines: Math.round(
        node.getBoundingClientRect().height /
          parseFloat(getComputedStyle(node).lineHeight || '17')
      )
    }));
    expect(code.scrolls).toBe(true);
    expect(code.overflow).toBe('auto');
    expect(code.lines).toBeLessThanOrEqual(2); // one line, not wrapped
    const tableBox = await panel
      .locator('.jp-CodeInterp-markdown table')
      .evaluate((node: HTMLElement) => ({
        scrolls: node.scrollWidth > node.clientWidth,
        fits: node.getBoundingClientRect().right <= window.innerWidth
      }));
    expect(tableBox).toEqual({ scrolls: true, fits: true });

    // The plot's thumbnail is large enough to read; a click opens the full image in a tab.
    const thumbnail = panel.locator('.jp-CodeInterp-stepImage img');
    await expect(thumbnail).toBeVisible();
    expect((await thumbnail.boundingBox())!.width).toBeGreaterThanOrEqual(300);
    const requests: string[] = [];
    page.on('request', r => requests.push(r.url()));
    await thumbnail.click();
    const view = page.locator('.jp-CodeInterp-imageView img');
    await expect(view).toBeVisible();
    const natural = await view.evaluate((node: HTMLImageElement) => ({
      width: node.naturalWidth,
      src: node.src.slice(0, 22)
    }));
    expect(natural.src).toBe('data:image/png;base64,');
    expect(natural.width).toBeGreaterThanOrEqual(400);
    expect(requests.filter(url => !url.startsWith('http://localhost'))).toEqual(
      []
    );
    await expect(
      page.locator('.jp-MainAreaWidget:has(.jp-CodeInterp-imageView)')
    ).toHaveCount(1);

    // Header figures: nothing is cut off at this width.
    const usage = panel.locator('.jp-CodeInterp-usageTotal');
    await expect(usage).toBeVisible();
    const cut = await usage.evaluate(
      (node: HTMLElement) => node.scrollWidth > node.clientWidth + 1
    );
    expect(cut).toBe(false);
    const picker = panel.locator('.jp-CodeInterp-modelPicker');
    await expect(picker).toHaveAttribute('title', /scripted-model/);
  });
});

test.describe('step labels agree with the notebook', () => {
  test('“Cell [n]” with the notebook’s execution count, [*] while it runs', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('labels.ipynb', { kernel: 'python3' });
    // The user ran their own cell three times: counts and positions differ.
    await page.notebook.setCell(0, 'code', 'x = 1');
    for (let run = 0; run < 3; run++) {
      await page.notebook.run();
    }
    await openPanel(page);
    await script(
      request,
      toolReply('import time\ntime.sleep(3)\nprint(x)'),
      textReply('ok')
    );
    await send(page, 'wait a bit');
    const step = page.locator(`${PANEL} .jp-CodeInterp-stepLabel`);
    await expect(step).toHaveText('Running cell [*]…');
    await expect(
      page.locator('.jp-Notebook .jp-Cell').nth(1).locator('.jp-InputPrompt')
    ).toContainText('[*]');
    await waitIdle(page);
    const prompt = await page
      .locator('.jp-Notebook .jp-Cell')
      .nth(1)
      .locator('.jp-InputPrompt')
      .textContent();
    expect(prompt).toContain('[4]');
    await expect(step).toHaveText('✓ Cell [4] done');
  });
});

test.describe('Chinese plots without a CJK font', () => {
  test('the panel says so once per kernel, with the exact fix', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/boxes.ipynb`);
    await openPanel(page);
    // As on a machine without a CJK font: matplotlib only has DejaVu Sans.
    const plot = [
      'import matplotlib.pyplot as plt',
      'plt.rcParams["font.family"] = ["DejaVu Sans"]',
      'fig, ax = plt.subplots(figsize=(4, 2))',
      'ax.set_title("四个直辖市")',
      'plt.show()'
    ].join('\n');
    const hint = page.locator(`${PANEL} .jp-CodeInterp-fontHint`);
    await script(request, toolReply(plot), textReply('画好了。'));
    await send(page, '画图');
    await waitIdle(page);
    await expect(hint).toBeVisible();
    await expect(hint).toContainText('Chinese text in plots shows as boxes');
    await expect(hint.locator('.jp-CodeInterp-command').first()).toHaveText(
      "pip install 'jupyter-code-interp[zh]'"
    );
    await hint.locator('.jp-CodeInterp-dismissHint').click();
    await expect(hint).toHaveCount(0);

    // Same kernel, same warning: not again.
    await script(request, toolReply(plot), textReply('又画好了。'));
    await send(page, '再画一次');
    await waitIdle(page);
    await expect(
      page.locator(`${PANEL} .jp-CodeInterp-message[data-role="assistant"]`)
    ).toHaveCount(2);
    await expect(hint).toHaveCount(0);
  });
});

test.describe('export as Markdown', () => {
  test('the command writes the conversation and its images next to the notebook', async ({
    page,
    request,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/export.ipynb`);
    await openPanel(page);
    await script(
      request,
      toolReply(
        'import matplotlib.pyplot as plt\nprint("rows: 31")\nplt.plot([1, 3, 2])\nplt.show()',
        'Plotting.'
      ),
      textReply('The line **peaks** at 3.')
    );
    await send(page, 'plot a line');
    await waitIdle(page);
    await expect(page.locator(`${PANEL} .jp-CodeInterp-export`)).toBeEnabled();

    const path: string = await page.evaluate(async () =>
      (window as any).jupyterapp.commands.execute('code-interp:export-markdown')
    );
    expect(path).toBe(`${tmpPath}/export-conversation.md`);
    const read = (file: string, format: 'text' | 'base64') =>
      page.evaluate(
        async ([target, kind]) =>
          (
            await (window as any).jupyterapp.serviceManager.contents.get(
              target,
              { content: true, format: kind, type: 'file' }
            )
          ).content as string,
        [file, format] as const
      );
    const markdown = await read(path, 'text');
    expect(markdown).toContain('## Instruction 1\n\n> plot a line');
    expect(markdown).toContain('Plotting.');
    expect(markdown).toContain('### ✓ Cell [1] done');
    expect(markdown).toContain('print("rows: 31")');
    expect(markdown).toContain('Output:\n\n```text\nrows: 31\n```');
    expect(markdown).toContain('The line **peaks** at 3.');
    expect(markdown).toContain(
      '![Image 1 of cell [1]](<export-conversation_files/cell-1-1.png>)'
    );
    const png = await read(
      `${tmpPath}/export-conversation_files/cell-1-1.png`,
      'base64'
    );
    expect(png.startsWith('iVBORw0KGgo')).toBe(true);
    // The export opens in JupyterLab's Markdown preview.
    await expect(
      page.locator('.jp-RenderedMarkdown h1', {
        hasText: 'Code Interpreter conversation: export.ipynb'
      })
    ).toBeVisible();
  });
});

/**
 * A terminal prompt (`>_` in a screen), the Material Design "terminal" symbol
 * (Apache-2.0): what the panel's icon looked like before, and what people
 * read as "Terminal".
 */
const TERMINAL_PROMPT = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24"><path fill="#616161" d="M20 4H4c-1.11 0-2 .9-2 2v12c0 1.1.89 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.89-2-2-2zm0 14H4V8h16v10zm-2-1h-6v-2h6v2zM7.5 17l-1.41-1.41L8.67 13l-2.59-2.59L7.5 9l4 4-4 4z"/></svg>`;

test.describe('the sidebar icon', () => {
  test('does not look like the Terminal’s', async ({ page }) => {
    const icons = await page.evaluate(async (prompt: string) => {
      const tab = document.querySelector(
        '.jp-SideBar.jp-mod-right li[data-id="jp-code-interp-panel"] svg'
      );
      const card = Array.from(
        document.querySelectorAll('.jp-LauncherCard')
      ).find(node => node.textContent?.trim() === 'Terminal');
      const terminal = card?.querySelector('svg');
      /** Painted pixels of an SVG drawn at 48×48. */
      const paint = async (svg: Element | string): Promise<boolean[]> => {
        const source = (
          typeof svg === 'string'
            ? svg
            : new XMLSerializer().serializeToString(svg)
        )
          .replace(/width="[^"]*"/, 'width="48"')
          .replace(/height="[^"]*"/, 'height="48"');
        const image = new Image(48, 48);
        image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(source)}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 48;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0, 48, 48);
        const { data } = context.getImageData(0, 0, 48, 48);
        return Array.from({ length: 48 * 48 }, (_, i) => data[i * 4 + 3] > 96);
      };
      if (!tab || !terminal) {
        return null;
      }
      const ours = await paint(tab);
      /** Shared ink over all ink (1: the same drawing). */
      const overlap = (theirs: boolean[]) =>
        ours.filter((on, i) => on && theirs[i]).length /
        ours.filter((on, i) => on || theirs[i]).length;
      return {
        terminal: overlap(await paint(terminal)),
        prompt: overlap(await paint(prompt)),
        themed: Array.from(tab.querySelectorAll('path')).every(path =>
          path.closest('.jp-icon3')
        )
      };
    }, TERMINAL_PROMPT);
    expect(icons).not.toBeNull();
    expect(icons!.themed).toBe(true);
    // The old terminal-prompt icon shared 71% of its ink with the prompt symbol; the
    // notebook with a spark shares 17%, and about a third with JupyterLab's Terminal icon
    // (a filled square with `$_`), as any icon with a frame does.
    expect(icons!.prompt).toBeLessThan(0.4);
    expect(icons!.terminal).toBeLessThan(0.5);
  });
});
