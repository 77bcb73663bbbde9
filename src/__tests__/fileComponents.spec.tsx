import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { AttachmentChips } from '../components/files/Attachments';
import { FileCards } from '../components/files/FileCards';
import type { IMentionSource } from '../components/files/Mentions';
import type { IAttachment } from '../files/attachments';
import type { IFileEntry } from '../files/mention';
import { mount, mountComposer, press, settle, typeValue } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

const chip = (fields: Partial<IAttachment>): IAttachment => ({
  id: fields.name ?? 'x',
  path: '',
  name: 'x',
  size: 0,
  state: 'ready',
  progress: 1,
  message: null,
  renamedFrom: null,
  ...fields
});

describe('AttachmentChips', () => {
  it('shows size, progress, renames and errors, and removes chips', async () => {
    const removed: string[] = [];
    const widget = await mount(
      <AttachmentChips
        trans={trans}
        onRemove={id => removed.push(id)}
        items={[
          chip({ name: '统计.csv', path: 'w/统计 (1).csv', size: 2048 }),
          chip({ name: 'big.csv', state: 'uploading', progress: 0.4 }),
          chip({
            name: 'gdp (1).csv',
            path: 'w/gdp (1).csv',
            renamedFrom: 'gdp.csv'
          }),
          chip({ name: 'huge.xlsx', state: 'error', message: 'too large' })
        ]}
      />
    );
    const chips = widget.node.querySelectorAll('.jp-CodeInterp-chip');
    expect(chips).toHaveLength(4);
    expect(chips[0].textContent).toContain('2.0 KB');
    const progress = chips[1].querySelector('progress') as HTMLProgressElement;
    expect(progress.value).toBeCloseTo(0.4);
    expect(chips[2].textContent).toContain(
      'saved as gdp (1).csv: gdp.csv already exists'
    );
    expect(chips[3].getAttribute('data-state')).toBe('error');
    expect(chips[3].textContent).toContain('too large');
    await act(async () =>
      (
        chips[3].querySelector('.jp-CodeInterp-chipRemove') as HTMLElement
      ).click()
    );
    expect(removed).toEqual(['huge.xlsx']);
    await act(async () => widget.dispose());
  });

  it('shows the files a sent message carried without remove buttons', async () => {
    const widget = await mount(
      <AttachmentChips
        trans={trans}
        items={[{ path: 'data/a.csv', name: 'a.csv', size: 5 }]}
      />
    );
    expect(widget.node.querySelector('.jp-CodeInterp-chipRemove')).toBeNull();
    expect(
      widget.node
        .querySelector('.jp-CodeInterp-chip')!
        .getAttribute('data-path')
    ).toBe('data/a.csv');
    await act(async () => widget.dispose());
  });
});

describe('FileCards', () => {
  it('links each file for download, opens it, and shows image thumbnails', async () => {
    const opened: string[] = [];
    const widget = await mount(
      <FileCards
        trans={trans}
        mentioned={false}
        actions={{
          fileUrl: path => `/base/files/${path}`,
          open: path => opened.push(path)
        }}
        files={[
          { path: 'w/out.csv', name: 'out.csv', size: 12, mime: 'text/csv' },
          { path: 'w/图.png', name: '图.png', size: 3000, mime: 'image/png' }
        ]}
      />
    );
    const cards = widget.node.querySelectorAll('.jp-CodeInterp-fileCard');
    expect(cards).toHaveLength(2);
    const link = cards[0].querySelector('a') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('/base/files/w/out.csv');
    expect(link.getAttribute('download')).toBe('out.csv');
    expect(cards[0].querySelector('img')).toBeNull();
    expect(cards[1].querySelector('img')!.getAttribute('src')).toBe(
      '/base/files/w/图.png'
    );
    expect(cards[1].textContent).toContain('2.9 KB');
    await act(async () =>
      (cards[1].querySelector('.jp-CodeInterp-fileOpen') as HTMLElement).click()
    );
    expect(opened).toEqual(['w/图.png']);
    await act(async () => widget.dispose());
  });
});

describe('Composer with files', () => {
  const entries: IFileEntry[] = [
    'data/gdp.csv',
    'gdp-notes.md',
    'other.txt'
  ].map(relative => ({
    path: `work/${relative}`,
    relative,
    name: relative.split('/').pop()!,
    size: 1,
    mime: 'text/plain'
  }));
  let queries: string[];
  let picked: IFileEntry[];
  let sent: string[];
  let pasted: File[][];
  let widget: Widget;

  async function mountWithMentions(waitingFor: string | null = null) {
    const source: IMentionSource = {
      list: async query => {
        queries.push(query);
        return entries.filter(entry => entry.relative.includes(query));
      },
      pick: entry => picked.push(entry)
    };
    ({ widget, sent } = await mountComposer(trans, {
      mentions: source,
      onPasteFiles: files => pasted.push(files),
      waitingFor
    }));
  }

  beforeEach(() => {
    queries = [];
    picked = [];
    sent = [];
    pasted = [];
  });

  afterEach(async () => {
    await act(async () => widget.dispose());
  });

  const area = () =>
    widget.node.querySelector('.jp-CodeInterp-input') as HTMLTextAreaElement;
  const options = () =>
    Array.from(widget.node.querySelectorAll('.jp-CodeInterp-mention')).map(
      node => node.textContent
    );

  it('completes @ with files and attaches the choice instead of sending', async () => {
    await mountWithMentions();
    await typeValue(area(), 'compare @gdp');
    await settle(200);
    expect(queries[queries.length - 1]).toBe('gdp');
    expect(options()).toEqual(['gdp-notes.md', 'data/gdp.csv']);
    await press(area(), { key: 'ArrowDown' });
    await press(area(), { key: 'Enter' });
    expect(sent).toEqual([]);
    expect(picked.map(entry => entry.path)).toEqual(['work/data/gdp.csv']);
    expect(area().value).toBe('compare data/gdp.csv ');
    expect(widget.node.querySelector('.jp-CodeInterp-mentions')).toBeNull();
  });

  it('closes the completion on Escape, then Enter sends', async () => {
    await mountWithMentions();
    await typeValue(area(), 'look @zzz');
    await settle(200);
    expect(widget.node.textContent).toContain('No matching files');
    await press(area(), { key: 'Escape' });
    expect(widget.node.querySelector('.jp-CodeInterp-mentions')).toBeNull();
    await press(area(), { key: 'Enter' });
    expect(sent).toEqual(['look @zzz']);
  });

  it('hands pasted files over and waits for uploads before sending', async () => {
    await mountWithMentions('Waiting for the uploads to finish…');
    const file = new File(['a'], 'pasted.png');
    await act(async () => {
      const event = new Event('paste', { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'clipboardData', {
        value: { files: [file] }
      });
      area().dispatchEvent(event);
    });
    expect(pasted).toEqual([[file]]);
    await typeValue(area(), 'describe it');
    const send = widget.node.querySelector(
      '.jp-CodeInterp-send'
    ) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(send.title).toBe('Waiting for the uploads to finish…');
    await press(area(), { key: 'Enter' });
    expect(sent).toEqual([]);
  });
});
