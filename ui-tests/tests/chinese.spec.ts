import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import {
  CHINESE_UI,
  errorReply,
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

/** The panel as a locator. */
const PANEL = '#jp-code-interp-panel';

/** Where the documentation screenshot goes when CODE_INTERP_DOCS_SCREENSHOTS=1. */
const DOCS_SCREENSHOT = path.join(
  __dirname,
  '..',
  '..',
  'docs',
  'images',
  'panel-zh_CN.png'
);

const PLOT_CODE = `# 画出四个直辖市的 GDP（2023 年，万亿元）
import matplotlib.pyplot as plt
城市 = ["北京", "上海", "天津", "重庆"]
gdp = [4.38, 4.72, 1.67, 3.01]
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(城市, gdp, color="#4c72b0")
ax.set_title("四个直辖市的 GDP（2023 年）")
ax.set_ylabel("万亿元")
plt.show()`;

test.describe('the Chinese user interface (zh_CN language pack)', () => {
  test.use(CHINESE_UI);

  test('panel, cards, settings and a Chinese plot, all in Chinese', async ({
    page,
    request,
    tmpPath
  }, testInfo) => {
    await openPanel(page);
    const panel = page.locator(PANEL);
    await expect(panel.locator('.jp-CodeInterp-title')).toHaveText(
      '代码解释器'
    );
    const card = panel.locator('.jp-CodeInterp-noNotebook');
    await expect(card).toContainText(
      '当前没有打开的笔记本：你的第一条指令会在 根目录 中新建一个（以指令命名）并在其中运行。'
    );
    await expect(card.locator('.jp-CodeInterp-createNotebook')).toHaveText(
      '新建笔记本'
    );
    await expect(
      page.locator(`.jp-SideBar.jp-mod-right li[data-id="${PANEL.slice(1)}"]`)
    ).toHaveAttribute('title', '代码解释器');

    // The settings schema is translated with the extension's own catalog.
    const titles = await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      const settings = await registry.load('jupyter-code-interp:panel');
      return [settings.schema.title, settings.schema.properties.maxSteps.title];
    });
    expect(titles).toEqual(['代码解释器', '每轮最多步数']);

    await openNotebook(page, `${tmpPath}/直辖市.ipynb`);
    await openPanel(page);
    await expect(panel.locator('.jp-CodeInterp-newConversation')).toHaveText(
      '新对话'
    );
    await expect(panel.locator('.jp-CodeInterp-send')).toHaveText('发送');
    await expect(panel.locator('.jp-CodeInterp-input')).toHaveAttribute(
      'placeholder',
      '让它做分析、画图、修复错误……（Enter 发送，Shift+Enter 换行）'
    );

    await script(
      request,
      toolReply(PLOT_CODE, '我先用柱状图比较四个直辖市的 GDP。'),
      textReply(
        '上海的 GDP 最高（约 4.72 万亿元），北京次之（约 4.38 万亿元），重庆第三，天津最低。'
      )
    );
    await send(page, '画出四个直辖市的 GDP 柱状图');
    await waitIdle(page);
    await expect(panel.locator('.jp-CodeInterp-step')).toHaveText(
      '✓ 单元格 [1] 已完成'
    );
    await expect(panel.locator('.jp-CodeInterp-turnNotice')).toHaveText(
      '完成。'
    );

    // The plot rendered with a CJK font: an image, and no missing-glyph warning.
    const cells = await notebookCells(page);
    expect(cells[1].source).toBe(PLOT_CODE);
    const outputs = JSON.stringify(cells[1].outputs);
    expect(outputs).toContain('image/png');
    expect(outputs).not.toContain('missing from font');
    const bodies = await received(request);
    // The instruction reaches the model byte for byte, after the notebook context block.
    const last = bodies[0].messages.at(-1);
    expect(last.role).toBe('user');
    expect(last.content).toMatch(
      /<\/notebook_context>\s+画出四个直辖市的 GDP 柱状图$/
    );

    // The notebook beside the panel at its default width, without the file browser.
    await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
    await page.waitForTimeout(300); // let the inline image settle
    const shot = await page.screenshot();
    await testInfo.attach('panel-zh_CN', {
      body: shot,
      contentType: 'image/png'
    });
    if (process.env.CODE_INTERP_DOCS_SCREENSHOTS === '1') {
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      fs.writeFileSync(DOCS_SCREENSHOT, shot);
    }

    // The server's own messages come in the panel's language too: a provider error…
    await script(request, errorReply(401, 'Incorrect API key provided.'));
    await send(page, '再画一张');
    await waitIdle(page);
    await expect(
      panel.locator('.jp-CodeInterp-turnNotice').last()
    ).toContainText('提供方拒绝了 API 密钥（401）。');
    // …and the step limit.
    await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set('jupyter-code-interp:panel', 'maxSteps', 1);
    });
    await script(request, toolReply('x = 1'), toolReply('x = 2'));
    await send(page, '一直算下去');
    await waitIdle(page);
    await expect(
      panel.locator('.jp-CodeInterp-noticeDetail').last()
    ).toContainText('已执行 1 步，达到单轮上限，已停止。');
  });

  test('the setup card is in Chinese', async ({ page }) => {
    await page.route(/\/code-interp\/status/, route =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          ready: false,
          problem: 'Set OPENAI_API_KEY or OPENAI_BASE_URL.',
          models: [],
          defaultModel: null,
          baseUrl: null,
          maxSteps: 10,
          outputLimit: 4000
        })
      })
    );
    await page.goto();
    await openPanel(page);
    const card = page.locator(`${PANEL} .jp-CodeInterp-setup`);
    await expect(card.locator('.jp-CodeInterp-cardTitle')).toHaveText(
      '代码解释器需要一个语言模型'
    );
    await expect(card.locator('.jp-CodeInterp-retry')).toHaveText('重试');
  });
});

test.describe('typing Chinese with an input method', () => {
  test('Enter that confirms a candidate does not send; a plain Enter does', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('ime.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(request, textReply('好的。'));
    const input = page.locator(`${PANEL} .jp-CodeInterp-input`);
    const userMessages = page.locator(
      `${PANEL} .jp-CodeInterp-message[data-role="user"]`
    );

    // 1. Synthetic composition events, as Chrome sends them for a pinyin IME.
    await input.fill('画图');
    await input.evaluate((area: HTMLTextAreaElement) => {
      const enter = (isComposing: boolean) =>
        new KeyboardEvent('keydown', {
          key: 'Enter',
          code: 'Enter',
          isComposing,
          bubbles: true,
          cancelable: true
        });
      area.dispatchEvent(
        new CompositionEvent('compositionstart', { bubbles: true, data: '' })
      );
      area.dispatchEvent(enter(true));
      // Some IMEs send the confirming Enter without isComposing.
      area.dispatchEvent(enter(false));
      area.dispatchEvent(
        new CompositionEvent('compositionend', { bubbles: true, data: '画图' })
      );
    });

    // 2. A real composition through the browser's IME API.
    const browserPage = (page as unknown as { page: Page }).page;
    const cdp = await page.context().newCDPSession(browserPage);
    await input.focus();
    await input.press('End');
    await cdp.send('Input.imeSetComposition', {
      text: 'shan',
      selectionStart: 4,
      selectionEnd: 4
    });
    await page.keyboard.press('Enter');
    await cdp.send('Input.insertText', { text: '山' });

    await page.waitForTimeout(500);
    await expect(userMessages).toHaveCount(0);
    expect(await received(request)).toHaveLength(0);

    await input.press('Enter');
    await waitIdle(page);
    await expect(userMessages).toHaveCount(1);
    await expect(userMessages.first()).toHaveText(/^画图/);
    expect(await received(request)).toHaveLength(1);
  });
});

test.describe('the kernel font setup', () => {
  // Galata's kernel tracking answers a restart request with 201, which the client rejects.
  test.use({ kernels: null });

  test('runs silently before the first cell and again after a restart', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('font.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const probe =
      'import matplotlib\nprint(matplotlib.rcParams["font.family"])';
    const fontOfCell = async (index: number) =>
      (await page.notebook.getCellTextOutput(index))?.join('') ?? '';

    await script(request, toolReply(probe), textReply('ok'));
    await send(page, 'which font?');
    await waitIdle(page);
    let cells = await notebookCells(page);
    expect(cells[1].executionCount).toBe(1); // the setup took no execution count
    expect(await fontOfCell(1)).toMatch(/\['sans-serif', '[^']+'\]/);

    await page.evaluate(async () => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      await panel.sessionContext.session.kernel.restart();
    });
    await script(request, toolReply(probe), textReply('ok'));
    await send(page, 'which font now?');
    await waitIdle(page);
    cells = await notebookCells(page);
    expect(cells[2].executionCount).toBe(1); // a new kernel process
    expect(await fontOfCell(2)).toMatch(/\['sans-serif', '[^']+'\]/);
  });
});
