import type { Contents } from '@jupyterlab/services';

import {
  createNotebookFile,
  FALLBACK_NAME,
  notebookNameFor
} from '../notebook/newNotebook';

describe('notebookNameFor', () => {
  it.each([
    ['write a rate limiter and test it', 'rate-limiter'],
    ['分析 GDP', '分析-GDP'],
    ['分析GDP数据，然后画图', '分析-GDP-数据'],
    ['请帮我比较四个直辖市的 GDP', '比较四个直辖市的-GDP'],
    ['Please plot the sales per month. Use seaborn', 'plot-sales-per-month'],
    ['Load data/raw/2024 now', 'Load-data-raw-2024'],
    ['../../etc/passwd', 'etc-passwd'],
    ['"quoted"  <angle> | pipes *stars*?', 'quoted-angle-pipes-stars'],
    ['.hidden start', 'hidden-start'],
    ['   ', FALLBACK_NAME],
    ['write it', FALLBACK_NAME],
    ['？？？', FALLBACK_NAME]
  ])('%j → %j', (instruction, name) => {
    expect(notebookNameFor(instruction)).toBe(name);
  });

  it('keeps names short', () => {
    const name = notebookNameFor(
      'summarize quarterly revenue by region and product category'
    );
    expect(name).toBe('summarize-quarterly-revenue-by');
    expect(notebookNameFor('很'.repeat(100)).length).toBeLessThanOrEqual(16);
  });
});

describe('createNotebookFile', () => {
  function contents(names: string[]) {
    const saved: Array<[string, Partial<Contents.IModel>]> = [];
    return {
      saved,
      get: async (path: string) =>
        ({
          path,
          type: 'directory',
          content: names.map(name => ({ name, path: `${path}/${name}` }))
        }) as unknown as Contents.IModel,
      save: async (path: string, model?: Partial<Contents.IModel>) => {
        saved.push([path, model ?? {}]);
        return { path } as Contents.IModel;
      }
    };
  }

  const python = {
    name: 'python3',
    displayName: 'Python 3 (ipykernel)',
    language: 'python'
  };

  it('creates it in the folder, with a Python kernel, never over an existing file', async () => {
    const fake = contents(['rate-limiter.ipynb', 'rate-limiter (1).ipynb']);
    const path = await createNotebookFile(
      fake,
      'work/demo',
      'write a rate limiter and test it',
      python
    );
    expect(path).toBe('work/demo/rate-limiter (2).ipynb');
    const [[savedPath, model]] = fake.saved;
    expect(savedPath).toBe(path);
    expect(model.type).toBe('notebook');
    const content = model.content as {
      cells: unknown[];
      metadata: { kernelspec: Record<string, string> };
    };
    expect(content.cells).toEqual([]);
    expect(content.metadata.kernelspec).toEqual({
      name: 'python3',
      display_name: 'Python 3 (ipykernel)',
      language: 'python'
    });
  });

  it('creates it at the root when the file browser shows the root', async () => {
    const fake = contents([]);
    expect(await createNotebookFile(fake, '', '分析 GDP', python)).toBe(
      '分析-GDP.ipynb'
    );
  });
});
