import { MimeData } from '@lumino/coreutils';
import { Drag } from '@lumino/dragdrop';

import { CONTENTS_MIME, DROP_CLASS, DropTarget } from '../files/dropTarget';
import { IFilesEntry, IUserEntry } from '../conversation';
import { fakeController, FakeWebSocket, flush, pathPanel } from './fakes';

describe('DropTarget', () => {
  let node: HTMLElement;
  let files: File[][];
  let paths: string[][];
  let target: DropTarget;
  let enabled: boolean;

  beforeEach(() => {
    node = document.createElement('div');
    document.body.appendChild(node);
    files = [];
    paths = [];
    enabled = true;
    target = new DropTarget(node, {
      enabled: () => enabled,
      onFiles: list => files.push(list),
      onPaths: list => paths.push(list)
    });
  });

  afterEach(() => {
    target.dispose();
    node.remove();
  });

  function nativeEvent(type: string, dropped: File[]): Event {
    const event = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', {
      value: { types: ['Files'], files: dropped, dropEffect: 'none' }
    });
    return event;
  }

  function luminoEvent(type: string, mime: MimeData): Drag.Event {
    const drag = new Drag({
      mimeData: mime,
      supportedActions: 'move',
      proposedAction: 'move'
    });
    return new Drag.Event(new MouseEvent('mousemove') as PointerEvent, {
      drag,
      related: null,
      type: type as Drag.Event.IOptions['type']
    });
  }

  it('accepts files dropped from the operating system', () => {
    const file = new File(['a'], 'a.csv');
    const over = nativeEvent('dragover', [file]);
    node.dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true);
    expect(node.classList.contains(DROP_CLASS)).toBe(true);
    node.dispatchEvent(nativeEvent('drop', [file]));
    expect(files).toEqual([[file]]);
    expect(node.classList.contains(DROP_CLASS)).toBe(false);
  });

  it('accepts items dragged from the file browser', () => {
    const mime = new MimeData();
    mime.setData(CONTENTS_MIME, ['work/gdp.csv', 'work/说明.txt']);
    // (jsdom's DragEvent is never cancelable, so the class shows acceptance.)
    node.dispatchEvent(luminoEvent('lm-dragenter', mime));
    expect(node.classList.contains(DROP_CLASS)).toBe(true);
    const over = luminoEvent('lm-dragover', mime);
    node.dispatchEvent(over);
    expect(over.dropAction).toBe('move');
    node.dispatchEvent(luminoEvent('lm-drop', mime));
    expect(paths).toEqual([['work/gdp.csv', 'work/说明.txt']]);
    expect(node.classList.contains(DROP_CLASS)).toBe(false);
  });

  it('ignores other drags and drops while disabled', () => {
    const other = new MimeData();
    other.setData('text/plain', 'x');
    node.dispatchEvent(luminoEvent('lm-dragenter', other));
    const over = luminoEvent('lm-dragover', other);
    node.dispatchEvent(over);
    expect(node.classList.contains(DROP_CLASS)).toBe(false);
    expect(over.dropAction).toBe('none');
    enabled = false;
    node.dispatchEvent(nativeEvent('drop', [new File(['a'], 'a.csv')]));
    expect(files).toEqual([]);
  });
});

describe('attachments in turns', () => {
  it('sends attachment paths, records chips on the message and shows file cards', async () => {
    const fake = fakeController();
    const { controller, store } = fake;
    fake.open();
    const attached = [{ path: 'data/统计.csv', name: '统计.csv', size: 12 }];
    const turnId = controller.startTurn(
      pathPanel('work/a.ipynb'),
      '比较',
      attached
    )!;
    await flush();
    expect(FakeWebSocket.last.frames[0].attachments).toEqual(['data/统计.csv']);
    const user = store.get('work/a.ipynb').entries[0] as IUserEntry;
    expect(user.attachments).toEqual(attached);

    const card = {
      path: 'work/out.csv',
      name: 'out.csv',
      size: 5,
      mime: 'text/csv'
    };
    FakeWebSocket.last.receive({
      type: 'files',
      turnId,
      step: 1,
      files: [card]
    });
    const entries = store.get('work/a.ipynb').entries;
    expect(entries[entries.length - 1]).toMatchObject({
      kind: 'files',
      step: 1,
      files: [card]
    } as Partial<IFilesEntry>);

    controller.startTurn(pathPanel('b.ipynb'), 'no files');
    await flush();
    expect('attachments' in FakeWebSocket.last.frames[1]).toBe(false);
    fake.dispose();
  });
});
