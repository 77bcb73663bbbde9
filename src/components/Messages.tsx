import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef } from 'react';

import type { ApprovalChoice } from '../approvals';
import { ConversationEntry, INoticeEntry, IStepEntry } from '../conversation';
import { AttachmentChips } from './files/Attachments';
import { FileCards, IFileActions } from './files/FileCards';
import { Markdown } from './Markdown';
import { Reasoning } from './Reasoning';
import { Step } from './Step';
import { TurnUsage } from './providers/UsageView';

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
  /** Answer a cell waiting for Run or Skip. */
  onApprove?: (step: IStepEntry, choice: ApprovalChoice) => void;
  /** Select a step's cell for editing before Run. */
  onEditCell?: (step: IStepEntry) => void;
  /** The turn Undo can take back, if any (no turn running). */
  undoableTurnId?: string | null;
  /** Undo a turn (the caller confirms). */
  onUndo?: (turnId: string) => void;
  /** Send a failed turn's instruction again, with its attachments. */
  onRetry?: (turnId: string) => void;
}

/** What an entry needs besides itself. */
type EntryContext = Omit<IMessagesProps, 'entries' | 'undoableTurnId'>;

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
    case 'gave_up':
      return trans.__(
        'Gave up: the automatic fixes did not work. %1',
        notice.message || ''
      );
    default:
      return trans.__('Error: %1', notice.message || trans.__('unknown error'));
  }
}

/** A button acting on one turn (Retry, Undo). */
function TurnButton(props: {
  turnId: string;
  className: string;
  label: string;
  title: string;
  onClick: (turnId: string) => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className={`jp-Button jp-mod-styled jp-mod-minimal ${props.className}`}
      title={props.title}
      onClick={() => props.onClick(props.turnId)}
    >
      {props.label}
    </button>
  );
}

/**
 * One message. Memoized: entries are immutable (an unchanged entry keeps its
 * identity) and the callbacks are stable, so a keystroke or a streamed delta
 * renders only the entries that changed, not the whole conversation.
 */
const Entry = React.memo(function Entry(
  props: EntryContext & { entry: ConversationEntry; undoable: boolean }
): JSX.Element {
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
    case 'reasoning':
      return <Reasoning entry={entry} trans={trans} />;
    case 'step':
      return (
        <Step
          step={entry}
          trans={trans}
          onShowCell={onShowCell}
          onApprove={props.onApprove}
          onEditCell={props.onEditCell}
        />
      );
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
          {props.onRetry && props.undoable && entry.reason === 'error' && (
            <TurnButton
              turnId={entry.turnId}
              className="jp-CodeInterp-retryTurn"
              label={trans.__('Retry')}
              title={trans.__(
                'Send the same instruction again, with the same attached files'
              )}
              onClick={props.onRetry}
            />
          )}
          {props.onUndo && props.undoable && (
            <TurnButton
              turnId={entry.turnId}
              className="jp-CodeInterp-undo"
              label={trans.__('Undo')}
              title={trans.__(
                'Remove the cells this turn inserted and the turn from the conversation. Variables and files it made in the kernel stay.'
              )}
              onClick={props.onUndo}
            />
          )}
        </>
      );
    default:
      return (
        <div className="jp-CodeInterp-error" role="alert">
          {entry.message}
        </div>
      );
  }
});

/** The conversation, kept scrolled to the end while the user is there. */
export function Messages(props: IMessagesProps): JSX.Element {
  const { entries, trans, undoableTurnId, ...context } = props;
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
          trans={trans}
          undoable={entry.kind === 'notice' && entry.turnId === undoableTurnId}
          {...context}
        />
      ))}
    </div>
  );
}
