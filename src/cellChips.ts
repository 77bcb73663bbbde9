/**
 * The notebook cells attached to the composer ("Ask Code Interpreter about
 * the selected cells"), as removable chips. Plain TypeScript, no DOM.
 */

import { ISignal, Signal } from '@lumino/signaling';

import { MAX_ATTACHED_CELLS } from './notebook/attachedCells';

/** One attached cell as a chip shows it. */
export interface ICellChip {
  /** The cell's id in the notebook. */
  id: string;
  /** How the cell is named (`[3]`, `#4`). */
  label: string;
}

/**
 * The composer's attached cells, per notebook: a chip belongs to the notebook
 * its cell is in and is sent with that notebook's next turn.
 */
export class CellChips {
  /** Emitted after any change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The chips of a notebook. */
  items(notebook: string): readonly ICellChip[] {
    return this._chips.get(notebook) ?? [];
  }

  /** Attach cells (ones already attached are kept once, up to the cap). */
  add(notebook: string, chips: readonly ICellChip[]): void {
    const current = this.items(notebook);
    const known = new Set(current.map(chip => chip.id));
    const added = chips.filter(chip => !known.has(chip.id));
    if (added.length === 0) {
      return;
    }
    this._chips.set(
      notebook,
      [...current, ...added].slice(0, MAX_ATTACHED_CELLS)
    );
    this._changed.emit();
  }

  /** Remove one chip. */
  remove(notebook: string, cellId: string): void {
    const current = this.items(notebook);
    const next = current.filter(chip => chip.id !== cellId);
    if (next.length !== current.length) {
      this._chips.set(notebook, next);
      this._changed.emit();
    }
  }

  /** Remove a notebook's chips (after they were sent). */
  clear(notebook: string): void {
    if (this._chips.delete(notebook)) {
      this._changed.emit();
    }
  }

  private _chips = new Map<string, readonly ICellChip[]>();
  private _changed = new Signal<this, void>(this);
}
