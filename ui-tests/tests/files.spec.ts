import { expect, test } from '@jupyterlab/galata';
import {
  openPanel,
  received,
  script,
  send,
  textReply,
  toolReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';
const GDP = '地区,GDP（亿元）\n北京,43760.7\n上海,47218.7\n';

test.describe('files', () => {
  test('picked and dropped files are uploaded next to the notebook, renamed on collision, and reach the model', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.notebook.createNew('upload.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator(PANEL);
    const input = panel.locator('input.jp-CodeInterp-attach');
    const chips = panel.locator('.jp-CodeInterp-composer .jp-CodeInterp-chip');

    await input.setInputFiles({
      name: '统计.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(GDP, 'utf-8')
    });
    await expect(chips.first()).toHaveAttribute('data-state', 'ready');
    await expect(chips.first()).toContainText('统计.csv');
    expect(await page.contents.fileExists(`${tmpPath}/统计.csv`)).toBe(true);

    // Same name again: a new file, and the chip says so.
    await input.setInputFiles({
      name: '统计.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('other', 'utf-8')
    });
    await expect(chips.nth(1)).toHaveAttribute('data-state', 'ready');
    await expect(chips.nth(1)).toContainText(
      'saved as 统计 (1).csv: 统计.csv already exists'
    );
    expect(await page.contents.fileExists(`${tmpPath}/统计 (1).csv`)).toBe(
      true
    );

    // A file dropped from the operating system onto the panel.
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(
        new File(['a,b\n1,2\n'], 'dropped.csv', { type: 'text/csv' })
      );
      return transfer;
    });
    for (const type of ['dragenter', 'dragover', 'drop']) {
      await panel.dispatchEvent(type, { dataTransfer });
    }
    await expect(chips.nth(2)).toContainText('dropped.csv');
    await expect(chips.nth(2)).toHaveAttribute('data-state', 'ready');
    expect(await page.contents.fileExists(`${tmpPath}/dropped.csv`)).toBe(true);

    // Remove the second chip, send: the model gets the two others with previews.
    await chips.nth(1).locator('.jp-CodeInterp-chipRemove').click();
    await expect(chips).toHaveCount(2);
    await script(request, textReply('看到了两个文件。'));
    await send(page, '比较这些城市');
    await waitIdle(page);
    await expect(chips).toHaveCount(0);
    const sentChips = panel.locator(
      '.jp-CodeInterp-message[data-role="user"] .jp-CodeInterp-chip'
    );
    await expect(sentChips).toHaveCount(2);
    const bodies = await received(request);
    const user = JSON.stringify(
      bodies[0].messages[bodies[0].messages.length - 1]
    );
    expect(user).toContain('比较这些城市');
    expect(user).toContain('<file path=\\"统计.csv\\">');
    expect(user).toContain('北京 | 43760.7');
    expect(user).toContain('<file path=\\"dropped.csv\\">');
    // The removed chip's file is not attached (the folder listing of the context may name it).
    expect(user).not.toContain('<file path=\\"统计 (1).csv\\">');
  });

  test('the same file again (same name, same bytes) is reused, a changed one gets a new name', async ({
    page,
    tmpPath
  }) => {
    await page.notebook.createNew('again.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator(PANEL);
    const input = panel.locator('input.jp-CodeInterp-attach');
    const chips = panel.locator('.jp-CodeInterp-composer .jp-CodeInterp-chip');
    const upload = async (text: string) =>
      input.setInputFiles({
        name: '统计.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(text, 'utf-8')
      });

    await upload(GDP);
    await expect(chips.first()).toHaveAttribute('data-state', 'ready');
    await upload(GDP);
    await expect(chips.nth(1)).toHaveAttribute('data-state', 'ready');
    await expect(chips.nth(1)).toContainText(
      'already in the folder: the same file is reused'
    );
    await expect(chips.nth(1)).toHaveAttribute(
      'data-path',
      `${tmpPath}/统计.csv`
    );
    expect(await page.contents.fileExists(`${tmpPath}/统计 (1).csv`)).toBe(
      false
    );

    // Same size, different bytes: a new name.
    await upload(GDP.replace('43760.7', '43760.8'));
    await expect(chips.nth(2)).toHaveAttribute('data-state', 'ready');
    await expect(chips.nth(2)).toContainText(
      'saved as 统计 (1).csv: 统计.csv already exists'
    );
    expect(await page.contents.fileExists(`${tmpPath}/统计 (1).csv`)).toBe(
      true
    );
  });

  test('“Ask Code Interpreter” in the file browser attaches the file and @ completes paths', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(GDP, 'text', `${tmpPath}/gdp-2023.csv`);
    await page.notebook.createNew('context.ipynb', { kernel: 'python3' });
    await page.filebrowser.refresh();
    const item = page.locator('.jp-DirListing-item[data-isdir="false"]', {
      hasText: 'gdp-2023.csv'
    });
    await item.click({ button: 'right' });
    await page
      .locator('.lm-Menu-item', { hasText: 'Ask Code Interpreter' })
      .click();
    const panel = page.locator(PANEL);
    await expect(panel).toBeVisible();
    const chip = panel.locator('.jp-CodeInterp-composer .jp-CodeInterp-chip');
    await expect(chip).toHaveAttribute('data-path', `${tmpPath}/gdp-2023.csv`);
    await expect(panel.locator('.jp-CodeInterp-input')).toBeFocused();

    // `@` offers the files next to the notebook.
    await panel.locator('.jp-CodeInterp-input').pressSequentially('see @gdp');
    const option = panel.locator('.jp-CodeInterp-mention', {
      hasText: 'gdp-2023.csv'
    });
    await expect(option).toBeVisible();
    await panel.locator('.jp-CodeInterp-input').press('Enter');
    await expect(panel.locator('.jp-CodeInterp-input')).toHaveValue(
      'see gdp-2023.csv '
    );
  });

  test('dragging a file from the file browser onto the panel attaches it', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(GDP, 'text', `${tmpPath}/dragged.csv`);
    await page.notebook.createNew('drag.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await page.filebrowser.refresh();
    const item = page.locator('.jp-DirListing-item[data-isdir="false"]', {
      hasText: 'dragged.csv'
    });
    const from = (await item.boundingBox())!;
    const to = (await page
      .locator(`${PANEL} .jp-CodeInterp-messages`)
      .boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(
      from.x + from.width / 2 + 20,
      from.y + from.height / 2,
      {
        steps: 5
      }
    );
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, {
      steps: 20
    });
    await page.mouse.up();
    const chip = page.locator(
      `${PANEL} .jp-CodeInterp-composer .jp-CodeInterp-chip`
    );
    await expect(chip).toHaveAttribute('data-path', `${tmpPath}/dragged.csv`);
    await expect(chip).toContainText('dragged.csv');
    // Dropping attached it; the file stayed where it was.
    expect(await page.contents.fileExists(`${tmpPath}/dragged.csv`)).toBe(true);
  });

  test('a file the code writes gets a card whose download link returns its bytes', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.notebook.createNew('produce.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const content = '城市,人口（万）\n北京,2186\n上海,2487\n';
    await script(
      request,
      toolReply(
        `with open('out.csv', 'w', encoding='utf-8') as f:\n    f.write(${JSON.stringify(content)})`,
        'Writing the table.'
      ),
      textReply('The table is in `out.csv`.')
    );
    await send(page, 'write the table to out.csv');
    await waitIdle(page);

    const card = page.locator(
      `${PANEL} .jp-CodeInterp-fileCard[data-path="${tmpPath}/out.csv"]`
    );
    await expect(card).toHaveCount(1);
    await expect(card).toContainText('out.csv');
    const link = card.locator('a.jp-CodeInterp-fileDownload');
    await expect(link).toHaveAttribute('download', 'out.csv');
    const href = await link.getAttribute('href');
    expect(href).toContain('/files/');
    const body = await page.evaluate(async url => {
      const response = await fetch(url!);
      return { status: response.status, text: await response.text() };
    }, href);
    expect(body).toEqual({ status: 200, text: content });

    // The model was told which file the step wrote.
    const bodies = await received(request);
    expect(JSON.stringify(bodies[1].messages)).toContain(
      'Files created or changed by this step'
    );
    expect(JSON.stringify(bodies[1].messages)).toContain('out.csv');

    // Open shows the file in JupyterLab.
    await card.locator('.jp-CodeInterp-fileOpen').click();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'out.csv'
      })
    ).toBeVisible();
  });
});
