/**
 * The files attached to the next instruction (the composer's chips): uploads
 * in progress, files ready to send, and uploads that failed. Plain
 * TypeScript, no DOM.
 */

import { ISignal, Signal } from '@lumino/signaling';

/** A file as a message refers to it. */
export interface IAttachmentRef {
  /** Path relative to the server root (no drive prefix). */
  path: string;
  /** File name shown on the chip. */
  name: string;
  /** Size in bytes. */
  size: number;
}

/** Where a chip's file is. */
export type AttachmentState = 'uploading' | 'ready' | 'error';

/** One chip of the composer. */
export interface IAttachment extends IAttachmentRef {
  /** Stable id of the chip. */
  id: string;
  state: AttachmentState;
  /** Uploaded fraction, 0 to 1. */
  progress: number;
  /** Why the upload failed (state `error`). */
  message: string | null;
  /** The original name when a name collision made the upload take another. */
  renamedFrom: string | null;
  /** The same bytes were already in the folder: that file is attached, nothing uploaded. */
  reused?: boolean;
}

let counter = 0;

/** The chips of the composer; emits `changed` after every change. */
export class AttachmentStore {
  /** Emitted after any change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** All chips, in the order they were added. */
  get items(): readonly IAttachment[] {
    return this._items;
  }

  /** Files ready to be sent with the next instruction. */
  get ready(): IAttachmentRef[] {
    return this._items
      .filter(item => item.state === 'ready')
      .map(({ path, name, size }) => ({ path, name, size }));
  }

  /** Whether an upload is still running (sending waits for it). */
  get uploading(): boolean {
    return this._items.some(item => item.state === 'uploading');
  }

  /** Attach a file that already exists; a file attached twice keeps one chip. */
  addExisting(ref: IAttachmentRef): string {
    const existing = this._items.find(
      item => item.state === 'ready' && item.path === ref.path
    );
    if (existing) {
      return existing.id;
    }
    return this._add({ ...ref, state: 'ready', progress: 1 });
  }

  /** A chip for an upload that starts now. */
  startUpload(name: string, size: number): string {
    return this._add({ path: '', name, size, state: 'uploading', progress: 0 });
  }

  /** Record the uploaded fraction of a chip. */
  setProgress(id: string, progress: number): void {
    this._update(id, { progress: Math.max(0, Math.min(1, progress)) });
  }

  /** The upload of a chip is complete. */
  finishUpload(
    id: string,
    path: string,
    name: string,
    renamedFrom: string | null,
    reused = false
  ): void {
    this._update(id, {
      path,
      name,
      renamedFrom: reused ? null : renamedFrom,
      reused,
      state: 'ready',
      progress: 1
    });
  }

  /** The upload of a chip failed, for this reason. */
  fail(id: string, message: string): void {
    this._update(id, { state: 'error', message });
  }

  /** Remove one chip. */
  remove(id: string): void {
    const items = this._items.filter(item => item.id !== id);
    if (items.length !== this._items.length) {
      this._items = items;
      this._changed.emit();
    }
  }

  /** After sending: drop the sent and failed chips, keep running uploads. */
  clearSent(): void {
    this._items = this._items.filter(item => item.state === 'uploading');
    this._changed.emit();
  }

  private _add(fields: Omit<IAttachment, 'id' | 'message' | 'renamedFrom'>) {
    const id = `attachment-${++counter}`;
    this._items = [
      ...this._items,
      { ...fields, id, message: null, renamedFrom: null }
    ];
    this._changed.emit();
    return id;
  }

  private _update(id: string, change: Partial<IAttachment>): void {
    let found = false;
    this._items = this._items.map(item => {
      if (item.id !== id) {
        return item;
      }
      found = true;
      return { ...item, ...change };
    });
    if (found) {
      this._changed.emit();
    }
  }

  private _items: IAttachment[] = [];
  private _changed = new Signal<this, void>(this);
}
