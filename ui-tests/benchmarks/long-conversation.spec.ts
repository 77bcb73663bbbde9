/**
 * Benchmark: a 500-message conversation (250 turns) renders and stays responsive.
 *
 * Method: the chat socket is mocked with Playwright's `routeWebSocket`: when the panel asks for
 * the notebook's history, it gets a stored conversation of 250 turns (an instruction and a
 * markdown answer each, with a list, a table, a code block and Chinese text; every fifth turn also
 * ran a code step). A wrapper around `window.WebSocket` records when that frame arrives; a
 * `requestAnimationFrame` loop records the first frame with all 500 messages in the DOM, and
 * when the answers' markdown has rendered. A `longtask` PerformanceObserver and the Event Timing
 * API (`event` entries ≥ 16 ms) measure the main thread while the message list is scrolled from
 * top to bottom with the mouse wheel and 40 characters are typed in the composer, and a new turn
 * (Enter → its answer on screen) is timed with the 500 messages present.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { openPanel } from '../tests/helpers';

const TURNS = 250;
const NOTEBOOK = 'long-conversation.ipynb';

function answer(index: number): string {
  return [
    `Turn ${index}: the **GDP** of 北京 grew by ${(index % 9) + 1}.${index % 10} %.`,
    '',
    `- 第 ${index} 项: mean ${index * 3}, median ${index * 2}`,
    `- rows: ${index * 100}, columns: 7`,
    '',
    '| 地区 | GDP |',
    '| --- | ---: |',
    `| 上海 | ${index * 11} |`,
    '',
    '```python',
    `df.groupby("地区")["GDP"].sum().head(${index % 10})`,
    '```'
  ].join('\n');
}

function historyFrame(notebook: string): Record<string, unknown> {
  const turns = [];
  for (let index = 0; index < TURNS; index++) {
    const turnId = `bench-turn-${index}`;
    const events: Record<string, unknown>[] = [
      {
        type: 'turn_started',
        turnId,
        notebook,
        provider: 'default',
        model: 'scripted-model',
        instruction: `问题 ${index}: summarise the data, please`,
        attachments: []
      }
    ];
    if (index % 5 === 0) {
      const code = `df.describe()  # step of turn ${index}`;
      events.push(
        { type: 'step_started', turnId, step: 1, code },
        {
          type: 'step_finished',
          turnId,
          step: 1,
          status: 'ok',
          executionCount: index + 1,
          cellId: `cell-${index}`,
          cellIndex: index
        }
      );
    }
    events.push(
      { type: 'text', turnId, delta: answer(index) },
      { type: 'turn_finished', turnId, reason: 'done' }
    );
    turns.push({
      turnId,
      instruction: `问题 ${index}: summarise the data, please`,
      attachments: [],
      provider: 'default',
      model: 'scripted-model',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
      events,
      reason: 'done',
      message: null,
      usage: null,
      undoable: index === TURNS - 1
    });
  }
  return {
    type: 'history',
    notebook,
    conversationId: 'bench-conversation',
    title: 'benchmark',
    turns,
    runningTurnId: null
  };
}

test('a 500-message conversation renders and stays responsive', async ({
  page
}) => {
  await page.routeWebSocket(/\/code-interp\/chat/, ws => {
    ws.onMessage(message => {
      const frame = JSON.parse(String(message));
      // Galata puts each test's files in a folder of its own.
      if (frame.type === 'history' && frame.notebook.endsWith(NOTEBOOK)) {
        ws.send(JSON.stringify(historyFrame(frame.notebook)));
      } else if (
        frame.type === 'history' ||
        frame.type === 'new_conversation'
      ) {
        ws.send(
          JSON.stringify({
            type: 'history',
            notebook: frame.notebook,
            conversationId: `c-${frame.notebook}`,
            title: '',
            turns: [],
            runningTurnId: null
          })
        );
      } else if (frame.type === 'conversations') {
        ws.send(
          JSON.stringify({
            type: 'conversations',
            notebook: frame.notebook,
            currentId: 'bench-conversation',
            items: []
          })
        );
      } else if (frame.type === 'turn') {
        const turnId = frame.turnId;
        for (const reply of [
          {
            type: 'turn_started',
            turnId,
            notebook: frame.notebook,
            provider: 'default',
            model: 'scripted-model',
            instruction: frame.instruction,
            attachments: []
          },
          {
            type: 'text',
            turnId,
            delta: `The **new** answer 新的回答: ${frame.instruction}`
          },
          { type: 'turn_finished', turnId, reason: 'done' }
        ]) {
          ws.send(JSON.stringify(reply));
        }
      }
    });
  });
  // Probes installed before the app starts, so that they see the panel's socket.
  await page.addInitScript(() => {
    const win = window as any;
    const probe = {
      historyAt: null as number | null,
      turnSentAt: null as number | null,
      finishedAt: null as number | null,
      longTasks: [] as Array<{ start: number; duration: number }>,
      events: [] as Array<{ name: string; start: number; duration: number }>
    };
    win.__longProbe = probe;
    const Native = window.WebSocket;
    class Probed extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (event: MessageEvent) => {
          if (
            probe.historyAt === null &&
            typeof event.data === 'string' &&
            event.data.length > 100000 &&
            event.data.includes('"type":"history"')
          ) {
            probe.historyAt = performance.now();
          }
          if (
            typeof event.data === 'string' &&
            event.data.length < 10000 &&
            event.data.includes('"type":"turn_finished"')
          ) {
            probe.finishedAt = performance.now();
          }
        });
      }
    }
    const nativeSend = Native.prototype.send;
    Probed.prototype.send = function (data: any) {
      if (typeof data === 'string' && data.includes('"type":"turn"')) {
        probe.turnSentAt = performance.now();
      }
      return nativeSend.call(this, data);
    };
    win.WebSocket = Probed;
    new PerformanceObserver(list => {
      for (const entry of list.getEntries()) {
        probe.longTasks.push({
          start: entry.startTime,
          duration: entry.duration
        });
      }
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver(list => {
      for (const entry of list.getEntries()) {
        probe.events.push({
          name: entry.name,
          start: entry.startTime,
          duration: entry.duration
        });
      }
    }).observe({ type: 'event', buffered: true, durationThreshold: 16 } as any);
  });
  await page.reload();
  await openPanel(page);

  // All 500 messages in the DOM, then every answer's markdown rendered.
  await page.evaluate(() => {
    const win = window as any;
    win.__renderDone = new Promise(resolve => {
      const result = {
        messagesAt: null as number | null,
        markdownAt: null as number | null
      };
      const check = () => {
        const panel = document.getElementById('jp-code-interp-panel');
        const messages =
          panel?.querySelectorAll('.jp-CodeInterp-message') ?? [];
        if (result.messagesAt === null && messages.length >= 500) {
          result.messagesAt = performance.now();
        }
        if (result.messagesAt !== null) {
          const tables = panel!.querySelectorAll(
            '.jp-CodeInterp-markdown table'
          );
          if (tables.length >= 250) {
            result.markdownAt = performance.now();
            resolve(result);
            return;
          }
        }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  });
  await page.notebook.createNew(NOTEBOOK, { kernel: 'python3' });
  const render = await page.evaluate(async () => {
    const win = window as any;
    const panel = document.getElementById('jp-code-interp-panel');
    const result = await Promise.race([
      win.__renderDone,
      new Promise(resolve => setTimeout(() => resolve(null), 60000))
    ]);
    const probe = win.__longProbe;
    if (result === null) {
      throw new Error(
        `not rendered within 60 s: history frame ${probe.historyAt === null ? 'never arrived' : 'arrived'}, ` +
          `${panel?.querySelectorAll('.jp-CodeInterp-message').length} messages, ` +
          `${panel?.querySelectorAll('.jp-CodeInterp-markdown table').length} tables`
      );
    }
    const tasks = probe.longTasks.filter(
      (task: any) => task.start + task.duration >= probe.historyAt
    );
    return {
      historyAt: probe.historyAt,
      messages: result.messagesAt - probe.historyAt,
      markdown: result.markdownAt - probe.historyAt,
      longest: Math.max(0, ...tasks.map((task: any) => task.duration)),
      blocked: tasks.reduce((sum: number, task: any) => sum + task.duration, 0)
    };
  });
  expect(render.historyAt).not.toBeNull();
  await expect(
    page.locator('#jp-code-interp-panel .jp-CodeInterp-message')
  ).toHaveCount(500);

  // Scroll the whole list, then type in the composer.
  const list = page.locator('#jp-code-interp-panel .jp-CodeInterp-messages');
  const scrollStart = await page.evaluate(() => performance.now());
  await list.evaluate(node => (node.scrollTop = 0));
  await list.hover();
  const height = await list.evaluate(node => node.scrollHeight);
  for (let moved = 0; moved < height; moved += 600) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(16);
  }
  const input = page.locator('#jp-code-interp-panel .jp-CodeInterp-input');
  const typeStart = await page.evaluate(() => performance.now());
  await input.click();
  await page.keyboard.type('再来一次: summarise the 500 messages', {
    delay: 20
  });
  const typeEnd = await page.evaluate(() => performance.now());

  // New turns with the 500 messages present: Enter → their answer on screen. The first one also
  // waits for the kernel's first inspection (the notebook context), the second does not.
  const turns = [];
  for (const instruction of ['下一个问题', 'one more question']) {
    turns.push(await timeTurn(page, instruction));
  }

  const during = await page.evaluate(
    ([scrollFrom, typeFrom, typeTo]) => {
      const probe = (window as any).__longProbe;
      const within = (from: number, to: number) => {
        const tasks = probe.longTasks.filter(
          (task: any) => task.start >= from && task.start <= to
        );
        const events = probe.events.filter(
          (event: any) => event.start >= from && event.start <= to
        );
        return {
          longest: Math.max(0, ...tasks.map((task: any) => task.duration)),
          count: tasks.length,
          slowestEvent: Math.max(
            0,
            ...events.map((event: any) => event.duration)
          ),
          slowEvents: events.length
        };
      };
      return {
        scrolling: within(scrollFrom, typeFrom),
        typing: within(typeFrom, typeTo)
      };
    },
    [scrollStart, typeStart, typeEnd]
  );
  console.log(
    `500-message conversation (${TURNS} turns, ${TURNS / 5} with a code step):\n` +
      `  history frame → 500 messages in the DOM ${render.messages.toFixed(0)} ms, ` +
      `→ all markdown rendered ${render.markdown.toFixed(0)} ms; ` +
      `longest task ${render.longest.toFixed(0)} ms, ${render.blocked.toFixed(0)} ms of long tasks\n` +
      `  scrolling ${height} px: longest task ${during.scrolling.longest.toFixed(0)} ms ` +
      `(${during.scrolling.count} long tasks), slowest input event ${during.scrolling.slowestEvent.toFixed(0)} ms (${during.scrolling.slowEvents} events ≥ 16 ms)\n` +
      `  typing 32 characters: longest task ${during.typing.longest.toFixed(0)} ms ` +
      `(${during.typing.count} long tasks), slowest input event ${during.typing.slowestEvent.toFixed(0)} ms (${during.typing.slowEvents} events ≥ 16 ms)\n` +
      turns
        .map(
          (turn, index) =>
            `  new turn ${index + 1} with 500 messages present: Enter → turn frame sent ` +
            `${turn.toSent.toFixed(0)} ms (the notebook context is gathered first), ` +
            `→ turn_finished frame received ${turn.toFinished.toFixed(0)} ms, ` +
            `→ answer on screen ${turn.toShown.toFixed(0)} ms`
        )
        .join('\n')
  );
});

/** Send `instruction` with Enter; times (ms after Enter) of the turn frame and its answer. */
async function timeTurn(
  page: IJupyterLabPageFixture,
  instruction: string
): Promise<{ toSent: number; toFinished: number; toShown: number }> {
  const input = page.locator('#jp-code-interp-panel .jp-CodeInterp-input');
  await input.fill(instruction);
  await page.evaluate(marker => {
    const win = window as any;
    win.__answerShown = new Promise(resolve => {
      const check = () => {
        const shown = Array.from(
          document.querySelectorAll(
            '#jp-code-interp-panel .jp-CodeInterp-markdown'
          )
        ).some(node => (node.textContent ?? '').includes(marker));
        if (shown) {
          resolve(performance.now());
        } else {
          requestAnimationFrame(check);
        }
      };
      requestAnimationFrame(check);
    });
    const node = document.querySelector(
      '#jp-code-interp-panel .jp-CodeInterp-input'
    ) as HTMLElement;
    node.addEventListener(
      'keydown',
      (event: KeyboardEvent) => {
        if (event.key === 'Enter') {
          win.__enterAt = performance.now();
        }
      },
      { capture: true, once: true }
    );
  }, `新的回答: ${instruction}`);
  await input.press('Enter');
  await expect(
    page.locator('#jp-code-interp-panel .jp-CodeInterp-markdown', {
      hasText: `新的回答: ${instruction}`
    })
  ).toBeVisible({ timeout: 30000 });
  await expect(page.locator('#jp-code-interp-panel')).toHaveAttribute(
    'data-busy',
    'false',
    { timeout: 30000 }
  );
  return page.evaluate(async () => {
    const win = window as any;
    const shown = await win.__answerShown;
    return {
      toSent: win.__longProbe.turnSentAt - win.__enterAt,
      toFinished: win.__longProbe.finishedAt - win.__enterAt,
      toShown: shown - win.__enterAt
    };
  });
}
