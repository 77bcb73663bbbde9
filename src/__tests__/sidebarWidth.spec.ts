import { StateDB } from '@jupyterlab/statedb';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  DEFAULT_PANEL_WIDTH,
  PANEL_WIDTH_KEY,
  resizedWidths,
  SidebarWidth
} from '../sidebarWidth';

/** A widget whose laid-out width is `width` (jsdom has no layout). */
function sized(width: number): Widget {
  const widget = new Widget();
  Object.defineProperty(widget.node, 'offsetWidth', {
    get: () => width,
    configurable: true
  });
  return widget;
}

/**
 * JupyterLab's main split as the panel sees it: left sidebar, main area,
 * right sidebar (holding the panel); `setRelativeSizes` lays it out at once.
 */
class FakeSplit extends Widget {
  constructor(public widths: number[]) {
    super();
    this.widgets = widths.map(width => sized(width));
    this.widgets.forEach((child, index) => {
      Object.defineProperty(child.node, 'offsetWidth', {
        get: () => this.widths[index],
        configurable: true
      });
      child.parent = this;
    });
  }

  readonly widgets: Widget[];
  readonly handleMoved = new Signal<this, void>(this);
  sizes: number[][] = [];

  setRelativeSizes(sizes: number[]): void {
    this.sizes.push(sizes);
    const total = this.widths.reduce((a, b) => a + b, 0);
    const sum = sizes.reduce((a, b) => a + b, 0);
    this.widths = sizes.map(size => (size / sum) * total);
  }

  /** The user drags the right sidebar's handle to make it `width` wide. */
  drag(width: number): void {
    const delta = width - this.widths[2];
    this.widths = [this.widths[0], this.widths[1] - delta, width];
    this.handleMoved.emit();
  }
}

describe('resizedWidths', () => {
  it('takes the difference from the main area, within half the window', () => {
    expect(resizedWidths([250, 750, 280], 2, 420)).toEqual([250, 610, 420]);
    expect(resizedWidths([250, 750, 280], 2, 300)).toEqual([250, 730, 300]);
    // 1280 px wide: the side never takes more than 640.
    expect(resizedWidths([250, 750, 280], 2, 2000)).toEqual([250, 390, 640]);
    expect(resizedWidths([0, 400, 200], 2, 420)).toEqual([0, 300, 300]);
  });
});

describe('SidebarWidth', () => {
  let split: FakeSplit;
  let panel: Widget;

  beforeEach(() => {
    split = new FakeSplit([250, 750, 280]);
    panel = new Widget();
    // The panel sits in the right sidebar's stack, as in the shell.
    const stack = split.widgets[2];
    panel.parent = stack;
    Object.defineProperty(panel, 'isVisible', {
      get: () => true,
      configurable: true
    });
  });

  it('opens wider than JupyterLab’s sidebar, at the default width', async () => {
    const width = new SidebarWidth(panel, new StateDB());
    await width.restore();
    expect(split.widths[2]).toBeCloseTo(DEFAULT_PANEL_WIDTH);
    expect(split.widths[0]).toBeCloseTo(250);
  });

  it('remembers the width the user drags it to, in the state database', async () => {
    const state = new StateDB();
    const width = new SidebarWidth(panel, state);
    await width.restore();
    split.drag(520);
    expect(await state.fetch(PANEL_WIDTH_KEY)).toBe(520);

    // A new page (a new keeper reading the same state database) opens the
    // panel at 520 over JupyterLab's own sidebar width.
    split.widths = [250, 750, 280];
    const later = new SidebarWidth(panel, state);
    await later.restore();
    expect(later.width).toBe(520);
    expect(split.widths[2]).toBeCloseTo(520);
  });

  it('does not record its own resizing or a drag while it is hidden', async () => {
    const state = new StateDB();
    const width = new SidebarWidth(panel, state);
    await width.restore();
    expect(await state.fetch(PANEL_WIDTH_KEY)).toBeUndefined();
    Object.defineProperty(panel, 'isVisible', { get: () => false });
    split.drag(330);
    expect(await state.fetch(PANEL_WIDTH_KEY)).toBeUndefined();
    width.dispose();
  });
});
