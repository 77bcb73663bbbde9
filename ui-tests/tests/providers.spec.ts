import { expect, test } from '@jupyterlab/galata';
import {
  LLM,
  openPanel,
  received,
  script,
  send,
  textReply,
  waitIdle
} from './helpers';

/** A key typed in the dialog: it must never come back to the page. */
const TYPED_KEY = 'sk-galata-typed-0123456789SECRET';

test.describe('providers and model switching', () => {
  test('the picked model is the one the provider receives, and the choice is kept', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('switch.ipynb', { kernel: 'python3' });
    await openPanel(page);
    const panel = page.locator('#jp-code-interp-panel');
    const picker = panel.locator('.jp-CodeInterp-modelPicker');
    await expect(picker).toBeVisible();
    // Grouped by provider: the default one and the configured "second".
    await expect(picker.locator('optgroup')).toHaveCount(2);
    await expect(picker.locator('optgroup').nth(1)).toHaveAttribute(
      'label',
      'Second provider'
    );
    await expect(picker.locator('option:checked')).toHaveText('scripted-model');

    await script(
      request,
      {
        ...textReply('第二个模型在回答。'),
        usage: { prompt_tokens: 1000, completion_tokens: 500 }
      },
      textReply('Fenced model here.')
    );
    await picker.selectOption({ label: 'second-model' });
    await send(page, '你是谁？');
    await waitIdle(page);

    let bodies = await received(request);
    expect(bodies.map(body => body.model)).toEqual(['second-model']);
    // The turn shows its tokens and cost (prices are configured for second-model).
    await expect(panel.locator('.jp-CodeInterp-turnUsage').last()).toHaveText(
      'second-model · 1.0k in · 500 out · $0.0020'
    );
    await expect(panel.locator('.jp-CodeInterp-usageTotal')).toHaveText(
      '1.0k in · 500 out · $0.0020'
    );

    // Switch again mid-conversation: the history goes along.
    await picker.selectOption({ label: 'scripted-fenced' });
    await send(page, 'and now?');
    await waitIdle(page);
    bodies = await received(request);
    expect(bodies.map(body => body.model)).toEqual([
      'second-model',
      'scripted-fenced'
    ]);
    expect(JSON.stringify(bodies[1].messages)).toContain('第二个模型在回答。');

    // The choice belongs to this notebook and survives a reload of the page
    // (once JupyterLab saved its state to the workspace).
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const app = (window as any).jupyterapp;
          const config = JSON.parse(
            document.getElementById('jupyter-config-data')!.textContent!
          );
          const saved = await app.serviceManager.workspaces.fetch(
            config.workspace
          );
          return JSON.stringify(
            saved.data['jupyter-code-interp:model-choices'] ?? null
          );
        })
      )
      .toContain('scripted-fenced');
    await page.reload({ waitForIsReady: false });
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await openPanel(page);
    await expect(
      page.locator(
        '#jp-code-interp-panel .jp-CodeInterp-modelPicker option:checked'
      )
    ).toHaveText('scripted-fenced');
  });

  test('the providers dialog saves a pasted key and shows only "key set"', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('keys.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await page
      .locator('#jp-code-interp-panel .jp-CodeInterp-providersButton')
      .click();
    const dialog = page.locator('.jp-Dialog .jp-CodeInterp-providers');
    await expect(dialog).toBeVisible();
    const second = dialog.locator(
      '.jp-CodeInterp-provider[data-name="second"]'
    );
    await expect(second.locator('.jp-CodeInterp-keyState')).toHaveText(
      'Key set (server configuration)'
    );

    // Test connection against the scripted server: it lists its models.
    await second.locator('.jp-CodeInterp-testConnection').click();
    await expect(second.locator('.jp-CodeInterp-testResult')).toHaveAttribute(
      'data-status',
      'model_not_found'
    );
    await expect(second.locator('.jp-CodeInterp-testResult')).toContainText(
      "Model 'second-model' is not among the 2 models"
    );

    // Add a provider from a preset, with a key.
    const form = dialog.locator('.jp-CodeInterp-addProvider');
    await form.locator('.jp-CodeInterp-presetSelect').selectOption('custom');
    await form.locator('.jp-CodeInterp-newName').fill('my-llm');
    await form.locator('.jp-CodeInterp-newUrl').fill(`${LLM}/v1`);
    await form.locator('.jp-CodeInterp-newModels').fill('scripted-model');
    await form.locator('.jp-CodeInterp-newKey').fill(TYPED_KEY);
    // Enter in a field submits that form; the dialog stays open.
    await form.locator('.jp-CodeInterp-newKey').press('Enter');

    const added = dialog.locator('.jp-CodeInterp-provider[data-name="my-llm"]');
    await expect(added.locator('.jp-CodeInterp-keyState')).toHaveText(
      'Key set (saved on the server)'
    );
    await added.locator('.jp-CodeInterp-testConnection').click();
    await expect(added.locator('.jp-CodeInterp-testResult')).toHaveAttribute(
      'data-status',
      'ok'
    );
    await expect(added.locator('.jp-CodeInterp-testResult')).toContainText(
      '2 models listed'
    );
    // The key is nowhere in the page, nor in what the providers API answers.
    expect(await page.content()).not.toContain(TYPED_KEY);
    const listing = await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const settings = app.serviceManager.serverSettings;
      const response = await fetch(`${settings.baseUrl}code-interp/providers`, {
        headers: { Authorization: `token ${settings.token}` }
      });
      return response.text();
    });
    expect(listing).toContain('"my-llm"');
    expect(listing).not.toContain(TYPED_KEY);

    await page.locator('.jp-Dialog .jp-mod-accept').last().click();
    await expect(dialog).toHaveCount(0);
    // The new provider is in the picker at once, and a turn on it works.
    const panel = page.locator('#jp-code-interp-panel');
    const picker = panel.locator('.jp-CodeInterp-modelPicker');
    await expect(picker.locator('optgroup')).toHaveCount(3);
    await script(request, textReply('typed key works'));
    await picker.selectOption(JSON.stringify(['my-llm', 'scripted-model']));
    await send(page, 'ping');
    await waitIdle(page);
    await expect(
      panel.locator('.jp-CodeInterp-turnNotice').last()
    ).toHaveAttribute('data-reason', 'done');
    expect((await received(request)).map(body => body.model)).toEqual([
      'scripted-model'
    ]);
  });
});
