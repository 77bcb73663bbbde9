/**
 * Makes a node accept files: OS files through native drag and drop, and
 * items of JupyterLab's file browser through Lumino drag events.
 */

import type { Drag } from '@lumino/dragdrop';

/** The mime under which the file browser drags the paths of its items. */
export const CONTENTS_MIME = 'application/x-jupyter-icontents';

/** Class of the node while something droppable is over it. */
export const DROP_CLASS = 'jp-mod-dropTarget';

const NATIVE_EVENTS = ['dragenter', 'dragover', 'dragleave', 'drop'];
const LUMINO_EVENTS = [
  'lm-dragenter',
  'lm-dragover',
  'lm-dragleave',
  'lm-drop'
];

/** What to do with dropped things. */
export interface IDropHandlers {
  /** Whether drops are accepted now (e.g. a notebook is open). */
  enabled: () => boolean;
  /** Files from the operating system. */
  onFiles: (files: File[]) => void;
  /** Contents paths dragged from the file browser. */
  onPaths: (paths: string[]) => void;
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

/** Listens on a node for drops of files; `dispose` stops listening. */
export class DropTarget {
  /** Start listening on `node`. */
  constructor(node: HTMLElement, handlers: IDropHandlers) {
    this._node = node;
    this._handlers = handlers;
    for (const type of [...NATIVE_EVENTS, ...LUMINO_EVENTS]) {
      node.addEventListener(type, this);
    }
  }

  /** Handle a native or Lumino drag event. */
  handleEvent(event: Event): void {
    if (event.type.startsWith('lm-')) {
      this._onLumino(event as Drag.Event);
    } else {
      this._onNative(event as DragEvent);
    }
  }

  /** Stop listening. */
  dispose(): void {
    for (const type of [...NATIVE_EVENTS, ...LUMINO_EVENTS]) {
      this._node.removeEventListener(type, this);
    }
    this._node.classList.remove(DROP_CLASS);
  }

  private _onNative(event: DragEvent): void {
    if (!hasFiles(event) || !this._handlers.enabled()) {
      return;
    }
    switch (event.type) {
      case 'dragenter':
      case 'dragover':
        event.preventDefault();
        if (event.dataTransfer) {
          event.dataTransfer.dropEffect = 'copy';
        }
        this._node.classList.add(DROP_CLASS);
        break;
      case 'dragleave':
        if (!this._node.contains(event.relatedTarget as Node | null)) {
          this._node.classList.remove(DROP_CLASS);
        }
        break;
      case 'drop': {
        event.preventDefault();
        this._node.classList.remove(DROP_CLASS);
        const files = Array.from(event.dataTransfer?.files ?? []);
        if (files.length) {
          this._handlers.onFiles(files);
        }
        break;
      }
    }
  }

  private _onLumino(event: Drag.Event): void {
    if (!event.mimeData.hasData(CONTENTS_MIME) || !this._handlers.enabled()) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    switch (event.type) {
      case 'lm-dragenter':
        this._node.classList.add(DROP_CLASS);
        break;
      case 'lm-dragover':
        // The file browser only offers 'move'; accepting it moves nothing:
        // the source just ends its drag.
        event.dropAction = event.proposedAction;
        break;
      case 'lm-dragleave':
        this._node.classList.remove(DROP_CLASS);
        break;
      case 'lm-drop': {
        this._node.classList.remove(DROP_CLASS);
        event.dropAction = event.proposedAction;
        const paths = event.mimeData.getData(CONTENTS_MIME);
        if (Array.isArray(paths) && paths.length) {
          this._handlers.onPaths(paths.map(String));
        }
        break;
      }
    }
  }

  private _node: HTMLElement;
  private _handlers: IDropHandlers;
}
