import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import {
  applyMention,
  findMention,
  IFileEntry,
  IMention,
  rankCompletions
} from '../../files/mention';

/** Where `@` completion gets its files and what picking one does. */
export interface IMentionSource {
  /** Files under the notebook's directory whose path contains `query`. */
  list: (query: string) => Promise<IFileEntry[]>;
  /** The user picked a file (attach it). */
  pick: (entry: IFileEntry) => void;
}

/** Options of `useMentions`. */
export interface IUseMentionsOptions {
  /** The composer's text and its setter. */
  text: string;
  setText: (text: string) => void;
  /** The composer's text area. */
  area: React.RefObject<HTMLTextAreaElement>;
  /** Where files come from; no completion without it. */
  source?: IMentionSource;
  /** Translation bundle. */
  trans: TranslationBundle;
}

/** What the composer wires in for `@` completion. */
export interface IMentions {
  /** Call after every text change or caret move. */
  update: () => void;
  /** Keyboard handling while the popup is open; true when the key was used. */
  onKeyDown: (event: React.KeyboardEvent<HTMLTextAreaElement>) => boolean;
  /** The popup to render above the text area, or null. */
  popup: JSX.Element | null;
}

/** Milliseconds to wait after a keystroke before asking the server. */
const DEBOUNCE = 120;

/** `@` completion of file paths for the composer's text area. */
export function useMentions(options: IUseMentionsOptions): IMentions {
  const { text, setText, area, source, trans } = options;
  const [mention, setMention] = useState<IMention | null>(null);
  const [items, setItems] = useState<IFileEntry[]>([]);
  const [active, setActive] = useState(0);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);

  useEffect(() => {
    if (!mention || !source) {
      return;
    }
    const id = ++request.current;
    setLoading(true);
    const timer = setTimeout(() => {
      source
        .list(mention.query)
        .then(entries => {
          if (id === request.current) {
            setItems(rankCompletions(entries, mention.query));
            setActive(0);
          }
        })
        .catch(() => {
          if (id === request.current) {
            setItems([]);
          }
        })
        .finally(() => {
          if (id === request.current) {
            setLoading(false);
          }
        });
    }, DEBOUNCE);
    return () => clearTimeout(timer);
  }, [mention?.start, mention?.query, source]);

  const close = () => {
    request.current += 1;
    setMention(null);
    setItems([]);
    setLoading(false);
  };

  const choose = (entry: IFileEntry) => {
    const node = area.current;
    if (!mention || !node) {
      return;
    }
    const caret = node.selectionStart ?? text.length;
    const next = applyMention(text, mention, caret, entry.relative);
    setText(next.text);
    source?.pick(entry);
    close();
    requestAnimationFrame(() => {
      node.focus();
      node.setSelectionRange(next.caret, next.caret);
    });
  };

  const update = () => {
    const node = area.current;
    if (!source || !node) {
      return;
    }
    const found = findMention(node.value, node.selectionStart ?? 0);
    if (!found) {
      if (mention) {
        close();
      }
      return;
    }
    if (found.start !== mention?.start || found.query !== mention?.query) {
      setMention(found);
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (!mention) {
      return false;
    }
    if (event.key === 'Escape') {
      close();
      return true;
    }
    if (!items.length) {
      return false;
    }
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((active + step + items.length) % items.length);
      return true;
    }
    if (
      (event.key === 'Enter' || event.key === 'Tab') &&
      !event.shiftKey &&
      !event.nativeEvent.isComposing
    ) {
      choose(items[active]);
      return true;
    }
    return false;
  };

  const popup = mention ? (
    <ul
      className="jp-CodeInterp-mentions"
      role="listbox"
      aria-label={trans.__('Files')}
    >
      {items.map((entry, index) => (
        <li
          key={entry.path}
          role="option"
          aria-selected={index === active}
          className="jp-CodeInterp-mention"
          title={entry.path}
          onMouseDown={event => {
            event.preventDefault(); // keep the focus in the text area
            choose(entry);
          }}
        >
          {entry.relative}
        </li>
      ))}
      {!items.length && (
        <li className="jp-CodeInterp-mentionEmpty">
          {loading
            ? trans.__('Looking for files…')
            : trans.__('No matching files')}
        </li>
      )}
    </ul>
  ) : null;

  return { update, onKeyDown, popup };
}
