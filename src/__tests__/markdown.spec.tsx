import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { Markdown } from '../components/Markdown';
import { AnswerRendermime } from '../render/sanitizer';
import { settle } from './react';

class Host extends ReactWidget {
  text = '';
  rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories
  });
  protected render(): JSX.Element {
    return <Markdown text={this.text} rendermime={this.rendermime} />;
  }
}

describe('Markdown', () => {
  let host: Host;

  beforeEach(async () => {
    host = new Host();
    await act(async () => {
      Widget.attach(host, document.body);
    });
  });

  afterEach(async () => {
    await act(async () => host.dispose());
  });

  const show = async (text: string) => {
    host.text = text;
    await act(async () => host.update());
    await settle(20);
  };

  it('renders model text through the sanitizer', async () => {
    await show(
      'hi <img src="x" onerror="window.pwned = 1"><script>bad()</script>'
    );
    const node = host.node.querySelector('.jp-CodeInterp-markdown')!;
    expect(node.textContent).toContain('hi');
    expect(node.querySelector('script')).toBeNull();
    const img = node.querySelector('img');
    expect(img?.getAttribute('onerror') ?? null).toBeNull();
  });

  it('shows the latest text as it streams, Chinese included', async () => {
    host.text = '第一';
    await act(async () => host.update());
    host.text = '第一段';
    await act(async () => host.update());
    await show('第一段，完成。');
    const node = host.node.querySelector('.jp-CodeInterp-markdown')!;
    expect(node.textContent).toContain('第一段，完成。');
  });
});

describe('Markdown with the panel’s answer rendermime', () => {
  it('shows a placeholder for a remote image and loads it on click only', async () => {
    const answers = new AnswerRendermime({
      rendermime: new RenderMimeRegistry({
        initialFactories: standardRendererFactories
      }),
      trans: nullTranslator.load('jupyter_code_interp'),
      baseUrl: 'http://localhost/',
      fileUrl: path => `/files/${path}`
    });
    const host = new Host();
    host.rendermime = answers.for('work/nb.ipynb') as RenderMimeRegistry;
    await act(async () => Widget.attach(host, document.body));
    host.text =
      'see <img src="http://evil.example/a.png?d=1" alt="chart"> and <img src="plot.png" alt="local">';
    await act(async () => host.update());
    await settle(20);
    const node = host.node.querySelector('.jp-CodeInterp-markdown')!;
    const images = () =>
      Array.from(node.querySelectorAll('img')).map(i => i.getAttribute('src'));
    expect(images()).toEqual(['/files/work/plot.png']);
    const holder = node.querySelector('.jp-CodeInterp-remote')!;
    expect(holder.textContent).toContain('Image from evil.example');
    await act(async () =>
      (holder.querySelector('.jp-CodeInterp-remoteLoad') as HTMLElement).click()
    );
    expect(images()).toEqual([
      'http://evil.example/a.png?d=1',
      '/files/work/plot.png'
    ]);
    await act(async () => host.dispose());
  });
});
