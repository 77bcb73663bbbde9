/**
 * Every place besides the answer's markdown where text from the model, a
 * file, a kernel or a provider reaches the panel shows it as text: markup in
 * it never becomes elements, so it cannot fetch anything (issue 14).
 */
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { ConversationMenu } from '../components/Conversations';
import { FileCards } from '../components/files/FileCards';
import { Messages } from '../components/Messages';
import { ProvidersSettings } from '../components/providers/ProvidersDialog';
import type { ConversationEntry } from '../conversation';
import { FakeProvidersClient, stepEntry } from './fakes';
import { mount, settle, unmount } from './react';

const trans = nullTranslator.load('jupyter_code_interp');
const HOSTILE =
  '<img src="http://evil.example/x.png"><iframe src="http://evil.example/f"></iframe>' +
  '<b style="background:url(http://evil.example/s)">bold</b>';

/** Elements the hostile text would have created, had it been parsed as HTML. */
function parsed(node: HTMLElement): Element[] {
  return Array.from(node.querySelectorAll('img, iframe, b, [style]'));
}

describe('text from the model, files, kernels and providers stays text', () => {
  let widget: Widget;
  afterEach(() => unmount(widget));

  it('in user turns, steps, notices and errors (live and replayed alike)', async () => {
    const entries: ConversationEntry[] = [
      { kind: 'user', id: 'a:0', turnId: 'a', text: HOSTILE },
      {
        ...stepEntry({ status: 'error', ename: HOSTILE, evalue: HOSTILE }),
        code: HOSTILE
      },
      {
        kind: 'notice',
        id: 'a:2',
        turnId: 'a',
        reason: 'gave_up',
        message: HOSTILE
      },
      {
        kind: 'notice',
        id: 'a:3',
        turnId: 'a',
        reason: 'max_steps',
        message: HOSTILE
      },
      {
        kind: 'notice',
        id: 'a:4',
        turnId: 'a',
        reason: 'error',
        message: HOSTILE
      },
      { kind: 'error', id: 'a:5', turnId: 'a', message: HOSTILE }
    ];
    widget = await mount(
      <Messages
        entries={entries}
        rendermime={{} as IRenderMimeRegistry}
        trans={trans}
        onShowCell={() => undefined}
      />
    );
    expect(parsed(widget.node)).toEqual([]);
    expect(widget.node.textContent).toContain(HOSTILE);
  });

  it('step thumbnails are data: URLs whatever the stored type says', async () => {
    const step = stepEntry({ status: 'ok' });
    widget = await mount(
      <Messages
        entries={[
          {
            ...step,
            images: [
              { mime: 'image/png', data: 'iVBORw0KGgo=' },
              { mime: 'http://evil.example/x.png?', data: 'AAAA' },
              { mime: 'image/svg+xml', data: btoa('<svg/>') }
            ]
          }
        ]}
        rendermime={{} as IRenderMimeRegistry}
        trans={trans}
        onShowCell={() => undefined}
      />
    );
    const sources = Array.from(widget.node.querySelectorAll('img')).map(
      image => image.getAttribute('src') ?? ''
    );
    expect(sources).toHaveLength(3);
    for (const source of sources) {
      expect(source.startsWith('data:')).toBe(true);
      expect(new URL(source).protocol).toBe('data:');
    }
  });

  it('in conversation titles', async () => {
    widget = await mount(
      <ConversationMenu
        list={{
          type: 'conversations',
          notebook: 'a.ipynb',
          currentId: 'c1',
          items: [
            {
              id: 'c2',
              title: HOSTILE,
              turns: 1,
              createdAt: '2026-01-01T00:00:00Z',
              updatedAt: '2026-01-01T00:00:00Z'
            }
          ]
        }}
        busy={false}
        trans={trans}
        onList={() => undefined}
        onOpen={() => undefined}
        onDelete={() => undefined}
      />
    );
    await act(async () =>
      (
        widget.node.querySelector(
          '.jp-CodeInterp-conversationsButton'
        ) as HTMLElement
      ).click()
    );
    expect(widget.node.textContent).toContain(HOSTILE);
    expect(parsed(widget.node)).toEqual([]);
  });

  it('in file cards', async () => {
    widget = await mount(
      <FileCards
        files={[
          {
            path: `out/${HOSTILE}.txt`,
            name: `${HOSTILE}.txt`,
            size: 3,
            mime: 'text/plain'
          }
        ]}
        mentioned={false}
        actions={{
          fileUrl: path => `/files/${encodeURI(path)}`,
          open: () => undefined
        }}
        trans={trans}
      />
    );
    expect(widget.node.textContent).toContain(HOSTILE);
    expect(parsed(widget.node)).toEqual([]);
  });

  it('in the providers dialog, where errors echo the provider’s reply', async () => {
    const client = new FakeProvidersClient();
    client.result = { status: 'not_openai', message: HOSTILE };
    widget = await mount(
      <ProvidersSettings
        client={client}
        trans={trans}
        onChanged={() => undefined}
      />
    );
    await settle();
    await act(async () =>
      (
        widget.node.querySelector(
          '.jp-CodeInterp-testConnection'
        ) as HTMLButtonElement
      ).click()
    );
    await settle();
    expect(widget.node.textContent).toContain(HOSTILE);
    expect(parsed(widget.node)).toEqual([]);
  });
});
