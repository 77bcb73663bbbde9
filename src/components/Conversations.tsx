import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import type { IConversationsFrame, IConversationSummary } from '../protocol';

/** Props of `ConversationMenu`. */
export interface IConversationMenuProps {
  /** The notebook's stored conversations, once listed. */
  list: IConversationsFrame | null;
  /** Whether a turn runs (nothing can be switched then). */
  busy: boolean;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Ask the server for the list (the menu opens). */
  onList: () => void;
  /** Make a stored conversation current. */
  onOpen: (id: string) => void;
  /** Delete a stored conversation (the caller confirms). */
  onDelete: (item: IConversationSummary) => void;
}

/** A stored time, in the user's locale. */
function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function Item(props: {
  item: IConversationSummary;
  current: boolean;
  busy: boolean;
  trans: TranslationBundle;
  onOpen: (id: string) => void;
  onDelete: (item: IConversationSummary) => void;
}): JSX.Element {
  const { item, current, busy, trans } = props;
  const title = item.title || trans.__('(empty conversation)');
  return (
    <li
      className="jp-CodeInterp-conversationItem"
      data-current={current ? 'true' : 'false'}
      data-id={item.id}
    >
      <button
        type="button"
        className="jp-CodeInterp-conversationOpen"
        disabled={busy || current}
        title={current ? trans.__('The conversation shown now') : title}
        onClick={() => props.onOpen(item.id)}
      >
        <span className="jp-CodeInterp-conversationTitle">{title}</span>
        <span className="jp-CodeInterp-conversationMeta">
          {trans._n('%1 turn', '%1 turns', item.turns, item.turns)}
          {' · '}
          {when(item.updatedAt)}
        </span>
      </button>
      <button
        type="button"
        className="jp-Button jp-mod-minimal jp-CodeInterp-conversationDelete"
        disabled={busy}
        aria-label={trans.__('Delete the conversation “%1”', title)}
        title={trans.__('Delete this conversation')}
        onClick={() => props.onDelete(item)}
      >
        ×
      </button>
    </li>
  );
}

/** The header button listing the notebook's conversations: open or delete one. */
export function ConversationMenu(props: IConversationMenuProps): JSX.Element {
  const { list, busy, trans } = props;
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) {
      return;
    }
    // A click elsewhere or Escape closes the list, like a menu.
    const onDown = (event: MouseEvent) => {
      if (!box.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const toggle = () => {
    if (!open) {
      props.onList();
    }
    setOpen(!open);
  };
  return (
    <div className="jp-CodeInterp-conversations" ref={box}>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-conversationsButton"
        aria-expanded={open}
        title={trans.__('Earlier conversations of this notebook')}
        onClick={toggle}
      >
        {trans.__('History')}
      </button>
      {open && (
        <ul className="jp-CodeInterp-conversationList">
          {list === null && (
            <li className="jp-CodeInterp-conversationNone">
              {trans.__('Loading…')}
            </li>
          )}
          {list !== null && list.items.length === 0 && (
            <li className="jp-CodeInterp-conversationNone">
              {trans.__('No stored conversations yet.')}
            </li>
          )}
          {list?.items.map(item => (
            <Item
              key={item.id}
              item={item}
              current={item.id === list.currentId}
              busy={busy}
              trans={trans}
              onOpen={id => {
                setOpen(false);
                props.onOpen(id);
              }}
              onDelete={props.onDelete}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
