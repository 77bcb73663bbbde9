import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import {
  notebookCells,
  openNotebook,
  openPanel,
  panelWidth,
  received,
  script,
  send,
  textReply,
  waitIdle
} from './helpers';

/**
 * Review of the model's edits of the user's own cells (issue 15): the edit waits behind a
 * side-by-side diff until Accept (applied and run) or Reject (told to the model).
 * `CODE_INTERP_DOCS_SCREENSHOTS=1` rewrites docs/images/review-diff.png.
 */

const PANEL = '#jp-code-interp-panel';

/** A notebook whose only cell fails, run once by the user; returns that cell's id. */
async function failingCell(
  page: IJupyterLabPageFixture,
  name: string
): Promise<string> {
  await openNotebook(page, name, ['1/0']);
  await page.notebook.runCell(0, true);
  await expect(page.locator('.jp-OutputArea-output')).toContainText(
    'ZeroDivisionError'
  );
  return page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return String(panel.content.model.cells.get(0).id);
  });
}

/** The model edits that cell with a fix, then answers once it heard the outcome. */
async function scriptFix(
  request: APIRequestContext,
  cellId: string
): Promise<void> {
  await script(
    request,
    {
      text: 'Dividing by zero fails; I will divide by one instead.',
      tool_calls: [
        {
          name: 'edit_cell',
          arguments: JSON.stringify({
            cell_id: cellId,
            source: '1/1',
            run: true
          })
        }
      ]
    },
    textReply('Done.')
  );
}

/**
 * The user's failing cell, the model's fix of it sent for review: returns the step's review
 * once its diff shows.
 */
async function reviewedFix(
  page: IJupyterLabPageFixture,
  request: APIRequestContext,
  name: string
) {
  const cellId = await failingCell(page, name);
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
  await openPanel(page);
  await scriptFix(request, cellId);
  await send(page, 'Fix the error in my cell');
  const review = page.locator(`${PANEL} .jp-CodeInterp-review`);
  await expect(review.locator('.cm-mergeView')).toBeVisible({
    timeout: 30000
  });
  return review;
}

test.describe('review of edits', () => {
  test('a fix of the user’s cell waits behind a diff; Accept applies and runs it', async ({
    page,
    request
  }, testInfo) => {
    const review = await reviewedFix(page, request, 'review-accept.ipynb');
    await expect(review).toContainText('1/0');
    await expect(review).toContainText('1/1');
    // The notebook cell is marked and not changed yet.
    const cell = page.locator('.jp-Notebook .jp-Cell').first();
    await expect(cell).toHaveClass(/jp-CodeInterp-pendingReview/);
    await expect(cell.locator('.jp-CodeInterp-pendingLabel')).toHaveText(
      'Change pending review'
    );
    expect((await notebookCells(page))[0].source).toBe('1/0');

    // The documentation's screenshot, at the panel's default width.
    expect(Math.abs((await panelWidth(page)) - 420)).toBeLessThanOrEqual(4);
    await page.waitForTimeout(300); // the editors' fonts settle
    const shot = await page.screenshot();
    await testInfo.attach('review-diff.png', {
      body: shot,
      contentType: 'image/png'
    });
    if (process.env.CODE_INTERP_DOCS_SCREENSHOTS === '1') {
      const file = path.join(
        __dirname,
        '..',
        '..',
        'docs',
        'images',
        'review-diff.png'
      );
      fs.writeFileSync(file, shot);
    }

    await review.locator('.jp-CodeInterp-reviewAccept').click();
    await waitIdle(page);
    const [fixed] = await notebookCells(page);
    expect(fixed.source).toBe('1/1');
    expect(fixed.executionCount).toBe(2);
    expect(JSON.stringify(fixed.outputs)).toContain('1.0');
    expect(JSON.stringify(fixed.outputs)).not.toContain('ZeroDivisionError');
    await expect(cell).not.toHaveClass(/jp-CodeInterp-pendingReview/);
    await expect(cell.locator('.jp-CodeInterp-pendingLabel')).toHaveCount(0);
    await expect(page.locator(`${PANEL} .jp-CodeInterp-step`)).toContainText(
      'Edited cell [2]'
    );
    await expect(review.locator('.jp-CodeInterp-reviewAccept')).toHaveCount(0);

    // Undo puts the user's cell back as it was, with its saved error output.
    await page.locator(`${PANEL} .jp-CodeInterp-undo`).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      'The 1 cell it edited or deleted is put back as it was'
    );
    await expect(dialog).toContainText('written files stay');
    await dialog.locator('.jp-mod-accept.jp-mod-warn').click();
    await expect
      .poll(async () => (await notebookCells(page))[0]?.source)
      .toBe('1/0');
    const [restored] = await notebookCells(page);
    expect(restored.executionCount).toBe(1);
    expect(JSON.stringify(restored.outputs)).toContain('ZeroDivisionError');
  });

  test('Reject leaves the cell unchanged and the model hears why', async ({
    page,
    request
  }) => {
    const review = await reviewedFix(page, request, 'review-reject.ipynb');
    await review
      .locator('.jp-CodeInterp-reviewComment')
      .fill('the division by zero is on purpose');
    await review.locator('.jp-CodeInterp-reviewReject').click();
    await waitIdle(page);

    const [kept] = await notebookCells(page);
    expect(kept.source).toBe('1/0');
    expect(kept.executionCount).toBe(1);
    expect(JSON.stringify(kept.outputs)).toContain('ZeroDivisionError');
    await expect(
      page.locator('.jp-Notebook .jp-CodeInterp-pendingReview')
    ).toHaveCount(0);
    await expect(page.locator(`${PANEL} .jp-CodeInterp-step`)).toHaveAttribute(
      'data-status',
      'rejected'
    );
    const requests = await received(request);
    expect(requests).toHaveLength(2);
    const told = JSON.stringify(requests[1].messages.slice(-1));
    expect(told).toContain('The user rejected this change');
    expect(told).toContain('the division by zero is on purpose');
    expect(told).toContain('The cell is unchanged');
  });
});
