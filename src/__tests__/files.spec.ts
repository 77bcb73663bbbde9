import { nullTranslator } from '@jupyterlab/translation';

import { AttachmentStore } from '../files/attachments';
import { cleanSubfolder, filesUrl } from '../files/manager';
import {
  applyMention,
  findMention,
  IFileEntry,
  rankCompletions
} from '../files/mention';
import {
  blobToBase64,
  chunkPlan,
  freeName,
  splitName,
  uploadFile,
  UploadError
} from '../files/upload';

import { FakeContents } from './fakes';

const trans = nullTranslator.load('jupyter_code_interp');

describe('upload naming and chunking', () => {
  it('splits names at the last dot, keeping dot-files whole', () => {
    expect(splitName('gdp.2023.csv')).toEqual(['gdp.2023', '.csv']);
    expect(splitName('.env')).toEqual(['.env', '']);
    expect(splitName('Makefile')).toEqual(['Makefile', '']);
  });

  it('picks the first free name', () => {
    const taken = new Set(['统计.csv', '统计 (1).csv', 'notes']);
    expect(freeName('统计.csv', name => taken.has(name))).toBe('统计 (2).csv');
    expect(freeName('notes', name => taken.has(name))).toBe('notes (1)');
    expect(freeName('new.csv', name => taken.has(name))).toBe('new.csv');
  });

  it('plans numbered chunks with -1 last, or one request for small files', () => {
    expect(chunkPlan(10, 4)).toEqual([
      { start: 0, end: 4, chunk: 1 },
      { start: 4, end: 8, chunk: 2 },
      { start: 8, end: 10, chunk: -1 }
    ]);
    expect(chunkPlan(8, 4)).toEqual([
      { start: 0, end: 4, chunk: 1 },
      { start: 4, end: 8, chunk: -1 }
    ]);
    expect(chunkPlan(4, 4)).toEqual([{ start: 0, end: 4 }]);
    expect(chunkPlan(0, 4)).toEqual([{ start: 0, end: 0 }]);
  });

  it('uploads under a free name into a created folder, reporting progress', async () => {
    const contents = new FakeContents();
    contents.directories.add('work');
    contents.directories.add('work/data');
    contents.files.set('work/data/gdp.csv', 'old');
    const progress: number[] = [];
    const file = new File(['地区,gdp\n北京,1\n'], 'gdp.csv');
    const uploaded = await uploadFile(contents, file, 'work/data', {
      maxBytes: 1000,
      trans,
      onProgress: value => progress.push(value)
    });
    expect(uploaded).toEqual({
      path: 'work/data/gdp (1).csv',
      name: 'gdp (1).csv',
      renamedFrom: 'gdp.csv'
    });
    expect(contents.files.get('work/data/gdp.csv')).toBe('old');
    const saved = contents.saves[0];
    expect(saved.options).toMatchObject({ type: 'file', format: 'base64' });
    expect(saved.options.chunk).toBeUndefined();
    expect(progress).toEqual([0, 1]);

    await uploadFile(contents, new File(['x'], 'a.txt'), 'work/new/deep', {
      maxBytes: 10,
      trans
    });
    expect(contents.saves.map(save => save.path).slice(1, 3)).toEqual([
      'work/new',
      'work/new/deep'
    ]);
    expect(contents.files.get('work/new/deep/a.txt')).toBe('x');
  });

  it('sends big files in numbered chunks that add up to the file', async () => {
    const contents = new FakeContents();
    const size = 2.5 * 1024 * 1024;
    const bytes = new Uint8Array(size).map((_, index) => 65 + (index % 26));
    const uploaded = await uploadFile(
      contents,
      new File([bytes], 'big.csv'),
      '',
      {
        maxBytes: 10 * 2 ** 20,
        trans
      }
    );
    expect(uploaded.path).toBe('big.csv');
    expect(contents.saves.map(save => save.options.chunk)).toEqual([1, 2, -1]);
    expect(contents.files.get('big.csv')!.length).toBe(size);
  });

  it('refuses files over the limit with a message naming the setting', async () => {
    const contents = new FakeContents();
    const file = new File([new Uint8Array(3 * 2 ** 20)], 'huge.xlsx');
    await expect(
      uploadFile(contents, file, '', { maxBytes: 2 * 2 ** 20, trans })
    ).rejects.toThrow(UploadError);
    await expect(
      uploadFile(contents, file, '', { maxBytes: 2 * 2 ** 20, trans })
    ).rejects.toThrow(
      'huge.xlsx is 3.0 MB: larger than the upload limit of 2 MB'
    );
    expect(contents.saves).toEqual([]);
  });
});

describe('uploading the same file again', () => {
  const csv = '地区,gdp\n北京,4.38\n';

  /** A folder where `gdp.csv` holds `bytes`. */
  function folderWith(bytes: string): FakeContents {
    const contents = new FakeContents();
    contents.directories.add('work');
    contents.files.set('work/gdp.csv', bytes);
    return contents;
  }

  /** The bytes of a File as the binary string FakeContents keeps. */
  async function bytesOf(file: File): Promise<string> {
    return atob(await blobToBase64(file));
  }

  it('reuses the file when the same name holds the same bytes', async () => {
    const file = new File([csv], 'gdp.csv');
    const contents = folderWith(await bytesOf(file));
    const progress: number[] = [];
    const uploaded = await uploadFile(contents, file, 'work', {
      maxBytes: 1000,
      trans,
      onProgress: value => progress.push(value)
    });
    expect(uploaded).toEqual({
      path: 'work/gdp.csv',
      name: 'gdp.csv',
      renamedFrom: null,
      reused: true
    });
    expect(contents.saves).toEqual([]);
    expect(progress).toEqual([1]);
  });

  it('gives a different file with the same name a new name', async () => {
    const file = new File([csv], 'gdp.csv');
    const sameSize = (await bytesOf(file)).replace('4.38', '4.39');
    const contents = folderWith(sameSize);
    const uploaded = await uploadFile(contents, file, 'work', {
      maxBytes: 1000,
      trans
    });
    expect(uploaded).toMatchObject({
      path: 'work/gdp (1).csv',
      renamedFrom: 'gdp.csv'
    });
    expect(uploaded.reused).toBeUndefined();
    expect(contents.files.get('work/gdp.csv')).toBe(sameSize);
    expect(contents.files.get('work/gdp (1).csv')).toBe(await bytesOf(file));
  });

  it('does not read a file whose size differs', async () => {
    const contents = folderWith('a much longer file than the new one, surely');
    await uploadFile(contents, new File([csv], 'gdp.csv'), 'work', {
      maxBytes: 1000,
      trans
    });
    expect(contents.gets.map(get => get.path)).not.toContain('work/gdp.csv');
  });

  it('finds the same bytes in a numbered copy made by an earlier upload', async () => {
    const file = new File([csv], 'gdp.csv');
    const contents = folderWith('older version');
    contents.files.set('work/gdp (1).csv', await bytesOf(file));
    const uploaded = await uploadFile(contents, file, 'work', {
      maxBytes: 1000,
      trans
    });
    expect(uploaded).toMatchObject({ path: 'work/gdp (1).csv', reused: true });
    expect(contents.saves).toEqual([]);
  });

  it('compares the server’s hash instead of downloading the file when it has one', async () => {
    // jsdom has no Web Crypto: a digest that the fake server computes alike.
    const digest = (bytes: string) =>
      Array.from(bytes, char => char.charCodeAt(0))
        .reduce((sum, code) => (sum * 31 + code) % 0xffffffff, 7)
        .toString(16)
        .padStart(8, '0');
    const subtle = {
      digest: async (algorithm: string, data: ArrayBuffer) => {
        expect(algorithm).toBe('SHA-256');
        const hex = digest(String.fromCharCode(...new Uint8Array(data)));
        return Uint8Array.from(hex.match(/../g)!, pair => parseInt(pair, 16))
          .buffer;
      }
    };
    const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', {
      value: { ...globalThis.crypto, subtle },
      configurable: true
    });
    try {
      const file = new File([csv], 'gdp.csv');
      const contents = folderWith(await bytesOf(file));
      contents.hashOf = digest;
      const uploaded = await uploadFile(contents, file, 'work', {
        maxBytes: 1000,
        trans
      });
      expect(uploaded.reused).toBe(true);
      const reads = contents.gets.filter(get => get.path === 'work/gdp.csv');
      expect(reads.map(get => get.options)).toEqual([
        { content: false, hash: true }
      ]);
    } finally {
      Object.defineProperty(globalThis, 'crypto', original!);
    }
  });
});

describe('AttachmentStore', () => {
  it('tracks uploads, renames, failures, duplicates and clears sent chips', () => {
    const store = new AttachmentStore();
    let changes = 0;
    store.changed.connect(() => changes++);
    const upload = store.startUpload('gdp.csv', 10);
    expect(store.uploading).toBe(true);
    store.setProgress(upload, 0.5);
    expect(store.items[0].progress).toBe(0.5);
    const failed = store.startUpload('huge.xlsx', 9e9);
    store.fail(failed, 'too big');
    store.finishUpload(upload, 'work/gdp (1).csv', 'gdp (1).csv', 'gdp.csv');
    store.addExisting({ path: 'data/a.csv', name: 'a.csv', size: 3 });
    store.addExisting({ path: 'data/a.csv', name: 'a.csv', size: 3 });
    expect(store.uploading).toBe(false);
    expect(store.ready).toEqual([
      { path: 'work/gdp (1).csv', name: 'gdp (1).csv', size: 10 },
      { path: 'data/a.csv', name: 'a.csv', size: 3 }
    ]);
    expect(store.items.find(item => item.id === failed)).toMatchObject({
      state: 'error',
      message: 'too big'
    });
    expect(store.items[0].renamedFrom).toBe('gdp.csv');
    const running = store.startUpload('later.csv', 1);
    store.clearSent();
    expect(store.items.map(item => item.id)).toEqual([running]);
    store.remove(running);
    expect(store.items).toEqual([]);
    expect(changes).toBeGreaterThan(8);
  });
});

describe('@ completion', () => {
  const entries: IFileEntry[] = [
    ['data/gdp_2023.csv', 'gdp_2023.csv'],
    ['GDP.xlsx', 'GDP.xlsx'],
    ['notes/gdp-notes.md', 'gdp-notes.md'],
    ['report.md', 'report.md'],
    ['data/城市/广东.csv', '广东.csv']
  ].map(([relative, name]) => ({
    path: `work/${relative}`,
    relative,
    name,
    size: 1,
    mime: 'text/plain'
  }));

  it('finds the @word under the caret, not e-mail addresses', () => {
    expect(findMention('look at @gd', 11)).toEqual({ start: 8, query: 'gd' });
    expect(findMention('@', 1)).toEqual({ start: 0, query: '' });
    expect(findMention('比较（@广东', 7)).toEqual({ start: 3, query: '广东' });
    expect(findMention('mail a@b.com', 12)).toBeNull();
    expect(findMention('@gdp done', 9)).toBeNull();
    expect(findMention('no mention', 4)).toBeNull();
  });

  it('ranks name prefixes, then path prefixes, substrings and subsequences', () => {
    const names = (query: string) =>
      rankCompletions(entries, query).map(entry => entry.relative);
    expect(names('gdp')).toEqual([
      'GDP.xlsx',
      'data/gdp_2023.csv',
      'notes/gdp-notes.md'
    ]);
    expect(names('data/')).toEqual(['data/gdp_2023.csv', 'data/城市/广东.csv']);
    expect(names('广东')).toEqual(['data/城市/广东.csv']);
    expect(names('rpt')).toEqual(['report.md']);
    expect(names('zzz')).toEqual([]);
    expect(rankCompletions(entries, '', 2)).toHaveLength(2);
  });

  it('replaces the @word with the chosen path', () => {
    const text = 'compare @gd with last year';
    const mention = findMention(text, 11)!;
    expect(applyMention(text, mention, 11, 'data/gdp_2023.csv')).toEqual({
      text: 'compare data/gdp_2023.csv with last year',
      caret: 26
    });
  });
});

describe('file URLs and settings', () => {
  it('builds /files/ URLs with encoded parts and the _xsrf cookie', () => {
    expect(filesUrl('http://h:8888/lab-base/', '数据/a b.csv')).toBe(
      'http://h:8888/lab-base/files/%E6%95%B0%E6%8D%AE/a%20b.csv'
    );
    expect(filesUrl('http://h/', 'out.csv', 'x=1; _xsrf=2|abc|9; y=2')).toBe(
      'http://h/files/out.csv?_xsrf=2%7Cabc%7C9'
    );
  });

  it('keeps the upload subfolder inside the notebook folder', () => {
    expect(cleanSubfolder('')).toBe('');
    expect(cleanSubfolder(' data/./raw/ ')).toBe('data/raw');
    expect(cleanSubfolder('data\\raw')).toBe('data/raw');
    expect(cleanSubfolder('../elsewhere')).toBeNull();
    expect(cleanSubfolder('/abs')).toBeNull();
  });
});
