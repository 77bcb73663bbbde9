import {
  IRenderMime,
  IRenderMimeRegistry,
  MimeModel
} from '@jupyterlab/rendermime';
import React, { useEffect, useRef } from 'react';

import { armPlaceholders } from '../render/remote';

/** Props of `Markdown`. */
export interface IMarkdownProps {
  /** Markdown source (model text: rendered untrusted, so sanitized). */
  text: string;
  /** The registry whose markdown renderer is used. */
  rendermime: IRenderMimeRegistry;
}

/** Attributes through which a click runs a JupyterLab command (CommandLinker). */
const COMMAND_ATTRIBUTES = [
  'data-commandlinker-command',
  'data-commandlinker-args'
];

/**
 * Remove command-linker attributes from rendered model text: the sanitizer
 * keeps them, and a click would offer to run any command the model named.
 */
export function disarmCommandLinks(node: HTMLElement): void {
  const selector = COMMAND_ATTRIBUTES.map(name => `[${name}]`).join(', ');
  for (const element of Array.from(node.querySelectorAll(selector))) {
    for (const name of COMMAND_ATTRIBUTES) {
      element.removeAttribute(name);
    }
  }
}

/**
 * Markdown rendered by JupyterLab's rendermime (sanitized). While a render is
 * in flight, newer texts are coalesced so streaming stays cheap.
 */
export function Markdown(props: IMarkdownProps): JSX.Element {
  const { text, rendermime } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const rendererRef = useRef<IRenderMime.IRenderer | null>(null);
  const queue = useRef({ busy: false, next: null as string | null, shown: '' });

  const render = async (source: string): Promise<void> => {
    const renderer = rendererRef.current;
    const state = queue.current;
    if (!renderer || renderer.isDisposed) {
      return;
    }
    if (state.busy) {
      state.next = source;
      return;
    }
    state.busy = true;
    try {
      await renderer.renderModel(
        new MimeModel({ data: { 'text/markdown': source }, trusted: false })
      );
      disarmCommandLinks(renderer.node);
      state.shown = source;
    } catch (reason) {
      console.error('jupyter-code-interp: markdown rendering failed', reason);
    } finally {
      state.busy = false;
    }
    const next = state.next;
    state.next = null;
    if (next !== null && next !== state.shown) {
      await render(next);
    }
  };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) {
      return;
    }
    const renderer = rendermime.createRenderer('text/markdown');
    rendererRef.current = renderer;
    host.appendChild(renderer.node);
    queue.current = { busy: false, next: null, shown: '' };
    const disarm = armPlaceholders(host);
    return () => {
      disarm();
      rendererRef.current = null;
      renderer.node.remove();
      renderer.dispose();
    };
  }, [rendermime]);

  useEffect(() => {
    void render(text);
  }, [text, rendermime]);

  return <div className="jp-CodeInterp-markdown" ref={hostRef} />;
}
