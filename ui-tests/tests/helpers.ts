import {
  expect,
  galata,
  IJupyterLabPage,
  IJupyterLabPageFixture
} from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';

/** Base URL of the scripted OpenAI-compatible server started by playwright.config.js. */
export const LLM = `http://127.0.0.1:${process.env.CODE_INTERP_LLM_PORT ?? 8765}`;

/** A reply the scripted server streams, in the JSON form tests/scripted_llm.py accepts. */
export type Reply = Record<string, unknown>;

/** A streamed text answer. */
export function textReply(text: string): Reply {
  return { text };
}

/** A streamed `run_code` tool call, optionally after some text. */
export function toolReply(code: string, text = ''): Reply {
  return {
    text,
    tool_calls: [{ name: 'run_code', arguments: JSON.stringify({ code }) }]
  };
}

/** Forget earlier replies and requests, then queue these replies. */
export async function script(
  request: APIRequestContext,
  ...replies: Reply[]
): Promise<void> {
  expect((await request.post(`${LLM}/_reset`)).ok()).toBeTruthy();
  expect(
    (await request.post(`${LLM}/_script`, { data: replies })).ok()
  ).toBeTruthy();
}

/** The chat-completions request bodies the scripted server received. */
export async function received(
  request: APIRequestContext
): Promise<Array<{ model: string; messages: Array<Record<string, unknown>> }>> {
  const response = await request.get(`${LLM}/_requests`);
  expect(response.ok()).toBeTruthy();
  return response.json();
}

/** Cells of the current notebook, read from its model. */
export async function notebookCells(page: IJupyterLabPageFixture): Promise<
  Array<{
    type: string;
    source: string;
    executionCount: number | null;
    outputs: Array<Record<string, unknown>>;
  }>
> {
  return page.evaluate(() => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    return panel.content.model.sharedModel.cells.map((cell: any) => {
      const json = cell.toJSON();
      return {
        type: json.cell_type,
        source: cell.getSource(),
        executionCount: json.execution_count ?? null,
        outputs: json.outputs ?? []
      };
    });
  });
}

/** Open the Code Interpreter panel through its command. */
export async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('code-interp:open');
  });
  await expect(page.locator('#jp-code-interp-panel')).toBeVisible();
}

/** Type an instruction in the composer and send it with Enter. */
export async function send(
  page: IJupyterLabPageFixture,
  instruction: string
): Promise<void> {
  const input = page.locator('#jp-code-interp-panel .jp-CodeInterp-input');
  await input.fill(instruction);
  await input.press('Enter');
}

/** Wait until the panel reports no running turn. */
export async function waitIdle(page: IJupyterLabPageFixture): Promise<void> {
  await expect(page.locator('#jp-code-interp-panel')).toHaveAttribute(
    'data-busy',
    'false',
    { timeout: 60000 }
  );
}

/**
 * Reload the page and show the notebook that was open and the panel again (the conversation
 * is then replayed from the server's history).
 */
export async function reloadWithPanel(
  page: IJupyterLabPageFixture
): Promise<void> {
  await reloadLab(page);
  await openPanel(page);
}

/** An empty notebook with a kernel saved, so JupyterLab asks for none when it opens. */
export function notebookWithKernel(): Record<string, unknown> {
  return {
    cells: [],
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3 (ipykernel)',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** A scripted HTTP error with an OpenAI-style body (as tests/scripted_llm.py's error_reply). */
export function errorReply(status: number, message: string): Reply {
  return {
    status,
    error: { message, type: 'scripted_error', code: null }
  };
}

/**
 * Write a notebook with these cells at `filePath` and open it (a string is a
 * code cell; a Python kernel unless `kernelspec` names another); Galata's own
 * helper renames an Untitled notebook after its session started, and goes
 * through English menu labels.
 */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  filePath: string,
  cells: Array<string | Record<string, unknown>> = [],
  kernelspec: Record<string, string> = {
    name: 'python3',
    display_name: 'Python 3',
    language: 'python'
  }
): Promise<void> {
  const notebook = {
    cells: cells.map(cell =>
      typeof cell === 'string'
        ? {
            cell_type: 'code',
            source: cell,
            metadata: {},
            outputs: [],
            execution_count: null
          }
        : cell
    ),
    metadata: { kernelspec },
    nbformat: 4,
    nbformat_minor: 5
  };
  expect(
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      filePath
    )
  ).toBe(true);
  await page.evaluate(async (notebookPath: string) => {
    const app = (window as any).jupyterapp;
    const panel = await app.commands.execute('docmanager:open', {
      path: notebookPath,
      factory: 'Notebook'
    });
    await panel.context.ready;
    await panel.sessionContext.ready;
  }, filePath);
}

/** Reload the page and wait until JupyterLab shows the restored notebook again. */
export async function reloadLab(page: IJupyterLabPageFixture): Promise<void> {
  await page.reload({ waitForIsReady: false });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 60000
  });
  // A restored notebook may ask for its kernel.
  const kernelDialog = page.locator('.jp-Dialog');
  await kernelDialog
    .waitFor({ timeout: 5000 })
    .then(() => kernelDialog.locator('.jp-mod-accept').click())
    .catch(() => undefined);
  await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
}

/** Whether the current notebook has unsaved changes. */
export async function isDirty(page: IJupyterLabPageFixture): Promise<boolean> {
  return page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.context.model.dirty
  );
}

/** The width (px) of the right sidebar area that holds the panel. */
export async function panelWidth(
  page: IJupyterLabPageFixture
): Promise<number> {
  return page.locator('#jp-code-interp-panel').evaluate(node => {
    let area: HTMLElement | null = node as HTMLElement;
    while (area && area.parentElement?.id !== 'jp-main-split-panel') {
      area = area.parentElement;
    }
    return Math.round((area ?? (node as HTMLElement)).offsetWidth);
  });
}

/** Test options of JupyterLab in Chinese (the zh_CN language pack). */
export const CHINESE_UI = {
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/translation-extension:plugin': { locale: 'zh_CN' }
  },
  // Galata waits for a tab named "Launcher"; in Chinese it is 启动页.
  waitForApplication: async (
    {}: Record<string, never>,
    use: (
      wait: (page: Page, helpers: IJupyterLabPage) => Promise<void>
    ) => Promise<void>
  ) => {
    await use(async (page, helpers) => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
      await helpers.waitForCondition(() =>
        helpers.activity.isTabActive('启动页')
      );
    });
  }
};
