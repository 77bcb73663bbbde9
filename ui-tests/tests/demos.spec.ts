import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import {
  CHINESE_UI,
  notebookCells,
  openNotebook,
  openPanel,
  panelWidth,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

/**
 * The two demos of the README, against the scripted server with realistic replies, at the
 * panel's default width. `CODE_INTERP_DOCS_SCREENSHOTS=1` rewrites docs/images/demo-*.png.
 */

const PANEL = '#jp-code-interp-panel';

/** Where a documentation screenshot goes. */
function docsImage(name: string): string {
  return path.join(__dirname, '..', '..', 'docs', 'images', name);
}

/** Save a screenshot for the docs when asked to (never in CI). */
async function keep(
  page: IJupyterLabPageFixture,
  name: string,
  testInfo: {
    attach: (
      name: string,
      body: { body: Buffer; contentType: string }
    ) => Promise<void>;
  }
): Promise<void> {
  await page.waitForTimeout(500); // let the thumbnails and fonts settle
  const shot = await page.screenshot();
  await testInfo.attach(name, { body: shot, contentType: 'image/png' });
  if (process.env.CODE_INTERP_DOCS_SCREENSHOTS === '1') {
    fs.mkdirSync(path.dirname(docsImage(name)), { recursive: true });
    fs.writeFileSync(docsImage(name), shot);
  }
}

/** A notebook whose first cell is a Markdown title. */
function titled(title: string): Array<Record<string, unknown>> {
  return [{ cell_type: 'markdown', metadata: {}, source: `# ${title}` }];
}

/** Select a cell of the notebook and scroll it into view, up to its end. */
async function showCell(
  page: IJupyterLabPageFixture,
  index: number
): Promise<void> {
  await page.notebook.selectCells(index);
  await page.evaluate(async (cell: number) => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    await notebook.scrollToCell(notebook.widgets[cell], 'end');
  }, index);
}

/** Panel width, left sidebar closed, notebook and panel side by side. */
async function arrange(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
  await openPanel(page);
  const width = await panelWidth(page);
  expect(Math.abs(width - 420)).toBeLessThanOrEqual(4);
}

const RATE_LIMITER = `import time
import threading


class TokenBucket:
    """Allow \`rate\` calls per second on average, in bursts of at most \`capacity\`."""

    def __init__(self, rate: float, capacity: int, clock=time.monotonic):
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.tokens = float(capacity)
        self.updated = clock()
        self.lock = threading.Lock()

    def allow(self) -> bool:
        """Take a token if one is left; False means: over the limit, try later."""
        with self.lock:
            now = self.clock()
            elapsed = now - self.updated
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False`;

const RATE_LIMITER_TESTS = `class FakeClock:
    """A clock the test moves by hand: no sleeping."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


clock = FakeClock()
bucket = TokenBucket(rate=2, capacity=3, clock=clock)

# 1. A burst of 3 passes, the 4th call is refused.
assert [bucket.allow() for _ in range(4)] == [True, True, True, False]

# 2. At 2 calls/s, one token is back after 0.5 s.
clock.now += 0.5
assert bucket.allow() and not bucket.allow()

# 3. An idle minute never stores more than \`capacity\` tokens.
clock.now += 60
assert sum(bucket.allow() for _ in range(10)) == 3

# 4. 1000 calls spread over 10 s: the burst plus 2 per second.
bucket = TokenBucket(rate=2, capacity=3, clock=clock)
allowed = 0
for _ in range(1000):
    clock.now += 0.01
    allowed += bucket.allow()
assert 22 <= allowed <= 23, allowed
print(f"4 tests passed: {allowed} of 1000 calls allowed in 10 s")`;

const RATE_LIMITER_ANSWER = `\`TokenBucket\` is a token-bucket rate limiter: it allows \`rate\` calls per second on average and bursts of up to \`capacity\`. All four tests pass:

| test | result |
| --- | --- |
| a burst of 3 passes, the 4th call is refused | ✓ |
| one token is back after 0.5 s (2 calls/s) | ✓ |
| an idle minute stores at most \`capacity\` tokens | ✓ |
| 1000 calls in 10 s: 22 allowed (3 + 2/s) | ✓ |

Use it in front of anything you must not call too often:

\`\`\`python
limit = TokenBucket(5, capacity=10)
if limit.allow():
    call_the_api()
\`\`\`

It is thread-safe (a lock around the refill) and takes a \`clock\`, so the tests never sleep.`;

test.describe('demo: write a rate limiter and test it', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('the class and its tests run as cells; the answer sums them up', async ({
    page,
    request,
    tmpPath
  }, testInfo) => {
    await openNotebook(
      page,
      `${tmpPath}/rate_limiter.ipynb`,
      titled('Rate limiter')
    );
    await arrange(page);
    await script(
      request,
      toolReply(
        RATE_LIMITER,
        'I will write a token-bucket limiter: each call takes a token, tokens come back at a steady rate.'
      ),
      toolReply(
        RATE_LIMITER_TESTS,
        'Now the tests, with a fake clock so that they run instantly.'
      ),
      textReply(RATE_LIMITER_ANSWER)
    );
    await send(page, 'write a rate limiter and test it');
    await waitIdle(page);

    const steps = page.locator(`${PANEL} .jp-CodeInterp-stepLabel`);
    await expect(steps).toHaveText(['✓ Cell [1] done', '✓ Cell [2] done']);
    const cells = await notebookCells(page);
    expect(JSON.stringify(cells[2].outputs)).toContain(
      '4 tests passed: 22 of 1000 calls allowed in 10 s'
    );
    await expect(
      page.locator(`${PANEL} .jp-CodeInterp-markdown table`)
    ).toBeVisible();
    await showCell(page, 2);
    await keep(page, 'demo-rate-limiter.png', testInfo);
  });
});

/** 2023 GDP of China's 31 provinces (亿元, National Bureau of Statistics). */
const PROVINCES: Array<[string, number]> = [
  ['广东', 135673.2],
  ['江苏', 128222.2],
  ['山东', 92069.0],
  ['浙江', 82553.0],
  ['四川', 60132.9],
  ['河南', 59132.4],
  ['湖北', 55803.6],
  ['福建', 54355.1],
  ['湖南', 50012.9],
  ['上海', 47218.7],
  ['安徽', 47050.6],
  ['河北', 43944.1],
  ['北京', 43760.7],
  ['陕西', 33786.1],
  ['江西', 32200.1],
  ['辽宁', 30209.4],
  ['重庆', 30145.8],
  ['云南', 30021.1],
  ['广西', 27202.4],
  ['山西', 25698.2],
  ['内蒙古', 24627.0],
  ['贵州', 20913.3],
  ['新疆', 19125.9],
  ['天津', 16737.3],
  ['黑龙江', 15883.9],
  ['吉林', 13531.2],
  ['甘肃', 11863.8],
  ['海南', 7551.2],
  ['宁夏', 5314.9],
  ['青海', 3799.1],
  ['西藏', 2392.7]
];

/** The CSV in GBK, as Chinese spreadsheet software saves it. */
function gbkCsv(): Buffer {
  const text =
    '地区,GDP（亿元）\n' +
    PROVINCES.map(([name, gdp]) => `${name},${gdp.toFixed(1)}`).join('\n') +
    '\n';
  return execFileSync(
    'python',
    [
      '-c',
      'import sys; sys.stdout.buffer.write(sys.stdin.read().encode("gbk"))'
    ],
    { input: text }
  );
}

const READ_GDP = `import pandas as pd

# 文件是 GBK 编码（国内表格软件的默认编码）
df = pd.read_csv("省份GDP.csv", encoding="gbk")
df["排名"] = df["GDP（亿元）"].rank(ascending=False).astype(int)
df["占全国比重"] = (df["GDP（亿元）"] / df["GDP（亿元）"].sum() * 100).round(1)

直辖市 = df[df["地区"].isin(["北京", "上海", "天津", "重庆"])]
直辖市 = 直辖市.sort_values("GDP（亿元）", ascending=False)
print(直辖市.to_string(index=False))`;

const PLOT_GDP = `import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3.6))
bars = ax.bar(直辖市["地区"], 直辖市["GDP（亿元）"] / 10000, color="#4c72b0")
ax.bar_label(bars, fmt="%.2f")
ax.margins(y=0.15)
ax.set_title("四个直辖市 2023 年 GDP")
ax.set_ylabel("万亿元")
plt.show()`;

const GDP_ANSWER = `四个直辖市 2023 年的 GDP（31 个省级行政区中的排名）：

| 直辖市 | GDP（亿元） | 全国排名 | 占全国比重 |
| --- | ---: | ---: | ---: |
| 上海 | 47,218.7 | 10 | 3.8% |
| 北京 | 43,760.7 | 13 | 3.5% |
| 重庆 | 30,145.8 | 17 | 2.4% |
| 天津 | 16,737.3 | 24 | 1.3% |

- **上海**最高，比北京多约 3,458 亿元；
- **重庆**人口最多，总量第三；
- **天津**不到上海的四成（约 35%）。

四市合计约 13.8 万亿元，占全国的 11.0%。`;

test.describe('demo: upload a GBK CSV of provincial GDP and compare the four municipalities', () => {
  test.use({ ...CHINESE_UI, viewport: { width: 1440, height: 900 } });

  test('比较四个直辖市的 GDP', async ({ page, request, tmpPath }, testInfo) => {
    await openNotebook(
      page,
      `${tmpPath}/直辖市.ipynb`,
      titled('四个直辖市的 GDP')
    );
    await arrange(page);
    const panel = page.locator(PANEL);
    await panel.locator('input.jp-CodeInterp-attach').setInputFiles({
      name: '省份GDP.csv',
      mimeType: 'text/csv',
      buffer: gbkCsv()
    });
    await expect(
      panel.locator('.jp-CodeInterp-composer .jp-CodeInterp-chip')
    ).toHaveAttribute('data-state', 'ready');

    await script(
      request,
      toolReply(READ_GDP, '先读取上传的表格：它是 GBK 编码的。'),
      toolReply(PLOT_GDP, '再画一张柱状图。'),
      textReply(GDP_ANSWER)
    );
    await send(page, '比较四个直辖市的 GDP');
    await waitIdle(page);

    await expect(panel.locator('.jp-CodeInterp-stepLabel')).toHaveText([
      '✓ 单元格 [1] 已完成',
      '✓ 单元格 [2] 已完成'
    ]);
    const cells = await notebookCells(page);
    const read = JSON.stringify(cells[1].outputs);
    expect(read).toContain('上海');
    expect(read).toContain('47218.7');
    const plot = JSON.stringify(cells[2].outputs);
    expect(plot).toContain('image/png');
    expect(plot).not.toContain('missing from font');
    await expect(panel.locator('.jp-CodeInterp-fontHint')).toHaveCount(0);
    await expect(panel.locator('.jp-CodeInterp-stepImage img')).toBeVisible();
    await showCell(page, 1);
    await keep(page, 'demo-gdp-zh_CN.png', testInfo);
  });
});
