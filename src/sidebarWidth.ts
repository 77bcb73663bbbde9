/**
 * The side panel's width. JupyterLab opens the right sidebar at a fraction of
 * the window (about 280 px on a laptop), too narrow for code and tables; the
 * shell only remembers one width for all the panels of a sidebar, as relative
 * sizes of its main split panel. The panel therefore keeps its own width: a
 * default of DEFAULT_PANEL_WIDTH, and the width the user drags it to,
 * remembered in the state database and restored whenever the panel shows.
 */

import type { IStateDB } from '@jupyterlab/statedb';
import type { Widget } from '@lumino/widgets';

/** Width of the panel, in pixels, until the user resizes it. */
export const DEFAULT_PANEL_WIDTH = 420;

/** Never take more than this fraction of the window's width. */
const MAX_FRACTION = 0.5;

/** The state database key of the width the user chose. */
export const PANEL_WIDTH_KEY = 'jupyter-code-interp:panel-width';

/** What the width keeper needs of a Lumino `SplitPanel`. */
export interface ISplitPanelLike {
  /** The split's children, left to right. */
  readonly widgets: readonly Widget[];
  /** The split's node. */
  readonly node: HTMLElement;
  /** Emitted when the user drags a handle. */
  readonly handleMoved?: {
    connect: (slot: () => void, thisArg?: unknown) => boolean;
    disconnect: (slot: () => void, thisArg?: unknown) => boolean;
  };
  /** Set the children's sizes, relative to each other. */
  setRelativeSizes(sizes: number[], update?: boolean): void;
}

/**
 * The widths (in pixels) of a split's children after the child at `index`
 * is made `width` wide: the difference is taken from (or given to) the
 * widest other child, the main area; no child goes below zero and the side
 * never takes more than `MAX_FRACTION` of the whole.
 */
export function resizedWidths(
  widths: readonly number[],
  index: number,
  width: number
): number[] {
  const total = widths.reduce((sum, value) => sum + value, 0);
  let donor = -1;
  widths.forEach((value, position) => {
    if (position !== index && (donor === -1 || value > widths[donor])) {
      donor = position;
    }
  });
  if (donor === -1) {
    return widths.slice();
  }
  const wanted = Math.min(Math.max(0, width), total * MAX_FRACTION);
  const delta = Math.min(wanted - widths[index], widths[donor]);
  const next = widths.slice();
  next[index] += delta;
  next[donor] -= delta;
  return next;
}

/** The split panel that holds `widget`, and the split's child containing it. */
function findSplit(
  widget: Widget
): { split: ISplitPanelLike; child: Widget } | null {
  let child: Widget = widget;
  while (child.parent) {
    const parent = child.parent as unknown as Partial<ISplitPanelLike>;
    if (typeof parent.setRelativeSizes === 'function' && parent.widgets) {
      return { split: parent as ISplitPanelLike, child };
    }
    child = child.parent;
  }
  return null;
}

/**
 * Keeps a side panel at its own width (see the module comment). Call
 * `restore()` when the panel is shown; the width the user drags it to while
 * it shows is remembered.
 */
export class SidebarWidth {
  /** Keep `widget` at its own width; `state` remembers the user's width. */
  constructor(widget: Widget, state: IStateDB | null) {
    this._widget = widget;
    this._state = state;
  }

  /** The width the panel opens at: the user's, else the default. */
  get width(): number {
    return this._width ?? DEFAULT_PANEL_WIDTH;
  }

  /** Give the shown panel its width (once the remembered one is read). */
  async restore(): Promise<void> {
    // Read on first use, never while JupyterLab starts: the panel opens later.
    this._loaded = this._loaded ?? this._load();
    await this._loaded;
    const found = findSplit(this._widget);
    if (!found || !this._widget.isVisible) {
      return;
    }
    this._watch(found.split);
    const { split, child } = found;
    const index = split.widgets.indexOf(child);
    const widths = split.widgets.map(item => item.node.offsetWidth);
    if (index === -1 || Math.abs(widths[index] - this.width) < 2) {
      return;
    }
    const next = resizedWidths(widths, index, this.width);
    this._resizing = true;
    try {
      split.setRelativeSizes(next);
    } finally {
      this._resizing = false;
    }
  }

  /** Stop following the split's handle. */
  dispose(): void {
    this._split?.handleMoved?.disconnect(this._onHandleMoved, this);
    this._split = null;
  }

  private _watch(split: ISplitPanelLike): void {
    if (this._split === split) {
      return;
    }
    this._split?.handleMoved?.disconnect(this._onHandleMoved, this);
    this._split = split;
    split.handleMoved?.connect(this._onHandleMoved, this);
  }

  /** The user dragged a handle: remember the panel's width if it shows. */
  private _onHandleMoved(): void {
    if (this._resizing || !this._widget.isVisible) {
      return;
    }
    const found = findSplit(this._widget);
    const width = found?.child.node.offsetWidth ?? 0;
    if (width <= 0 || width === this._width) {
      return;
    }
    this._width = width;
    void this._state?.save(PANEL_WIDTH_KEY, width).catch(reason => {
      console.warn(
        'jupyter-code-interp: could not save the panel width',
        reason
      );
    });
  }

  private async _load(): Promise<void> {
    try {
      const saved = await this._state?.fetch(PANEL_WIDTH_KEY);
      if (typeof saved === 'number' && Number.isFinite(saved) && saved > 0) {
        this._width = saved;
      }
    } catch {
      // No remembered width: the default applies.
    }
  }

  private _widget: Widget;
  private _state: IStateDB | null;
  private _loaded: Promise<void> | null = null;
  private _width: number | null = null;
  private _split: ISplitPanelLike | null = null;
  private _resizing = false;
}
