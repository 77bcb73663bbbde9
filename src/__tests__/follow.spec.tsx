import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { Messages } from '../components/Messages';
import type { ConversationEntry } from '../conversation';
import { mount, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

/** jsdom lays nothing out: the list's scroll metrics, as Chromium would report them. */
interface IMetrics {
  scrollHeight: number;
  clientHeight: number;
}

function fakeLayout(list: HTMLElement, metrics: IMetrics): void {
  Object.defineProperty(list, 'scrollHeight', {
    get: () => metrics.scrollHeight,
    configurable: true
  });
  Object.defineProperty(list, 'clientHeight', {
    get: () => metrics.clientHeight,
    configurable: true
  });
  // As a browser does: scrollTop stays within [0, scrollHeight - clientHeight].
  let top = 0;
  Object.defineProperty(list, 'scrollTop', {
    get: () => top,
    set: (value: number) => {
      top = Math.max(
        0,
        Math.min(value, metrics.scrollHeight - metrics.clientHeight)
      );
    },
    configurable: true
  });
}

function user(id: string, text: string): ConversationEntry {
  return { kind: 'user', id, turnId: id, text };
}

function error(id: string, message: string): ConversationEntry {
  return { kind: 'error', id, turnId: 'a', message };
}

describe('Messages follow the conversation', () => {
  let widget: Widget;
  let entries: ConversationEntry[];
  const metrics: IMetrics = { scrollHeight: 1000, clientHeight: 300 };

  function view(): JSX.Element {
    return (
      <Messages
        entries={entries}
        rendermime={{} as IRenderMimeRegistry}
        trans={trans}
        onShowCell={() => undefined}
      />
    );
  }

  const list = () =>
    widget.node.querySelector('.jp-CodeInterp-messages') as HTMLElement;
  const jump = () =>
    widget.node.querySelector(
      '.jp-CodeInterp-jumpLatest'
    ) as HTMLButtonElement | null;

  async function rerender(next: ConversationEntry[]): Promise<void> {
    entries = next;
    await act(async () => {
      (widget as unknown as { render: () => JSX.Element }).render = view;
      widget.update();
      await new Promise(resolve => requestAnimationFrame(resolve));
    });
  }

  async function scrollTo(top: number): Promise<void> {
    await act(async () => {
      list().scrollTop = top;
      list().dispatchEvent(new Event('scroll'));
    });
  }

  beforeEach(async () => {
    metrics.scrollHeight = 1000;
    entries = [user('a', 'first'), error('a:1', 'streamed')];
    widget = await mount(view());
    fakeLayout(list(), metrics);
    await rerender(entries);
  });

  afterEach(() => unmount(widget));

  it('keeps the end in view as the answer grows', async () => {
    expect(list().scrollTop).toBe(700);
    metrics.scrollHeight = 1400;
    await rerender([...entries, error('a:2', 'more')]);
    expect(list().scrollTop).toBe(1100);
    expect(jump()).toBeNull();
  });

  it('stays where the user scrolled up, offering Jump to latest', async () => {
    metrics.scrollHeight = 1400;
    await rerender(entries);
    await scrollTo(200);
    expect(jump()?.textContent).toBe('↓ Jump to latest');
    metrics.scrollHeight = 1800;
    await rerender([...entries, error('a:2', 'more')]);
    expect(list().scrollTop).toBe(200);

    await act(async () => jump()!.click());
    expect(list().scrollTop).toBe(1500);
    expect(jump()).toBeNull();
  });

  it('goes back to the end when the user sends a new instruction', async () => {
    await scrollTo(100);
    expect(jump()).not.toBeNull();
    metrics.scrollHeight = 1600;
    await rerender([...entries, user('b', 'second')]);
    expect(list().scrollTop).toBe(1300);
    expect(jump()).toBeNull();
  });
});
