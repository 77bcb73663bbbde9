import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef } from 'react';

import { ConversationEntry, INoticeEntry, IStepEntry } from '../model';
import { AttachmentChips } from './Attachments';
import { FileCards, IFileActions } from './FileCards';
import { Markdown } from './Markdown';
import { Step } from './Step';
import { TurnUsage } from './UsageView';

/** Props of `Messages`. */
export interface IMessagesProps {
  /** What the conversation holds. */
  entries: readonly ConversationEntry[];
  /** Renders assistant markdown. */
  rendermime: IRenderMimeRegistry;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Reveal a step's cell. */
  onShowCell: (step: IStepEntry) => void;
  /** Open and download files shown in the conversation. */
  fileActions?: IFileActions;
}

function noticeText(notice: INoticeEntry, trans: TranslationBundle): string {
  switch (notice.reason) {
    case 'done':
      return trans.__('Done.');
    case 'max_steps':
      return trans.__(
        'The step cap was reached: the code interpreter stopped running cells. Send a new instruction to continue.'
      );
    case 'stopped':
      return trans.__('Stopped.');
    default:
      return trans.__('Error: %1', notice.message || trans.__('unknown error'));
  }
}

function Entry(props: {
  entry: ConversationEntry;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  onShowCell: (step: IStepEntry) => void;
  fileActions?: IFileActions;
}): JSX.Element {
  const { entry, rendermime, trans, onShowCell, fileActions } = props;
  switch (entry.kind) {
    case 'user':
      return (
        <div className="jp-CodeInterp-message" data-role="user">
          <div className="jp-CodeInterp-userText">{entry.text}</div>
          {entry.attachments && (
            <AttachmentChips items={entry.attachments} trans={trans} />
          )}
        </div>
      );
    case 'files':
      return fileActions ? (
        <FileCards
          files={entry.files}
          mentioned={entry.step === null}
          actions={fileActions}
          trans={trans}
        />
      ) : (
        <></>
      );
    case 'assistant':
      return (
        <div className="jp-CodeInterp-message" data-role="assistant">
          <Markdown text={entry.text} rendermime={rendermime} />
        </div>
      );
    case 'step':
      return <Step step={entry} trans={trans} onShowCell={onShowCell} />;
    case 'notice':
      return (
        <>
          <div className="jp-CodeInterp-turnNotice" data-reason={entry.reason}>
            {noticeText(entry, trans)}
            {entry.reason === 'max_steps' && entry.message && (
              <div className="jp-CodeInterp-noticeDetail">{entry.message}</div>
            )}
          </div>
          {entry.usage && <TurnUsage usage={entry.usage} trans={trans} />}
        </>
      );
    default:
      return (
        <div className="jp-CodeInterp-error" role="alert">
          {entry.message}
        </div>
      );
  }
}

/** The conversation, kept scrolled to the end while the user is there. */
export function Messages(props: IMessagesProps): JSX.Element {
  const { entries, rendermime, trans, onShowCell, fileActions } = props;
  const listRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const list = listRef.current;
    if (list && stick.current) {
      list.scrollTop = list.scrollHeight;
    }
  });

  const onScroll = () => {
    const list = listRef.current;
    if (list) {
      stick.current =
        list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    }
  };

  return (
    <div className="jp-CodeInterp-messages" ref={listRef} onScroll={onScroll}>
      {entries.length === 0 && (
        <div className="jp-CodeInterp-empty">
          {trans.__(
            'Describe what you want: the code interpreter writes cells into this notebook, runs them in its kernel and explains the results.'
          )}
        </div>
      )}
      {entries.map(entry => (
        <Entry
          key={entry.id}
          entry={entry}
          rendermime={rendermime}
          trans={trans}
          onShowCell={onShowCell}
          fileActions={fileActions}
        />
      ))}
    </div>
  );
}
