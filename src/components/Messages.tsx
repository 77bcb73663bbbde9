import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { answerableTurn } from '../agentEntries';
import type { ApprovalChoice } from '../approvals';
import { ConversationEntry, INoticeEntry, IStepEntry } from '../conversation';
import type { IAttachedCellRef } from '../protocol';
import { CellChipList, PlanView, QuestionView, RulesLine } from './Agent';
import { AttachmentChips } from './files/Attachments';
import { FileCards, IFileActions } from './files/FileCards';
import { Markdown } from './Markdown';
import { Reasoning } from './Reasoning';
import { pendingReviews } from '../notebook/review';
import type { IReviewActions } from './Review';
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
  /** Open a step's image at full size. */
  onOpenImage?: (step: IStepEntry, index: number) => void;
  /** Accept or reject changes under review (absent: no buttons). */
  review?: IReviewActions;
  /** The turn Undo can take back, if any (no turn running). */
  undoableTurnId?: string | null;
  /** Undo a turn (the caller confirms). */
  onUndo?: (turnId: string) => void;
  /** Send a failed turn's instruction again, with its attachments. */
  onRetry?: (turnId: string) => void;
  /** Whether a turn runs (question buttons wait). */
  busy?: boolean;
  /** Send the answer to the model's question as the next instruction. */
  onAnswer?: (answer: string) => void;
  /** Open a rules file (AGENTS.md) in JupyterLab. */
  onOpenRules?: (path: string) => void;
  /** Scroll the notebook to an attached cell. */
  onShowAttachedCell?: (cellId: string) => void;
  /** How an attached cell is named (default: its position, `#4`). */
  cellLabel?: (cell: IAttachedCellRef) => string;
}

/** What an entry needs besides itself. */
type EntryContext = Omit<IMessagesProps, 'entries' | 'undoableTurnId' | 'busy'>;

/** What a turn's end notice says. */
export function noticeText(
  notice: INoticeEntry,
  trans: TranslationBundle
): string {
  switch (notice.reason) {
    case 'done':
      return trans.__('Done.');
    case 'max_steps':
      return trans.__(
        'The step cap was reached: the code interpreter stopped running cells. Send a new instruction to continue.'
      );
    case 'stopped':
      return trans.__('Stopped.');
    case 'question':
      return ''; // the question itself ends the turn
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
  props: EntryContext & {
    entry: ConversationEntry;
    undoable: boolean;
    /** The newest turn's question, while no turn runs. */
    answerable: boolean;
    busy: boolean;
    severalPending?: boolean;
  }
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
          {entry.cells && (
            <CellChipList
              chips={entry.cells.map(cell => ({
                id: cell.id,
                label: props.cellLabel?.(cell) ?? `#${cell.index + 1}`
              }))}
              trans={trans}
              onShow={props.onShowAttachedCell}
            />
          )}
        </div>
      );
    case 'plan':
      return <PlanView entry={entry} trans={trans} />;
    case 'question':
      return (
        <QuestionView
          entry={entry}
          trans={trans}
          answerable={props.answerable}
          busy={props.busy}
          onAnswer={props.onAnswer}
        />
      );
    case 'rules':
      return (
        <RulesLine entry={entry} trans={trans} onOpenFile={props.onOpenRules} />
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
          onOpenImage={props.onOpenImage}
          review={props.review}
          severalPending={props.severalPending}
        />
      );
    case 'notice':
      return (
        <>
          {entry.reason !== 'question' && (
            <div
              className="jp-CodeInterp-turnNotice"
              data-reason={entry.reason}
            >
              {noticeText(entry, trans)}
              {entry.reason === 'max_steps' && entry.message && (
                <div className="jp-CodeInterp-noticeDetail">
                  {entry.message}
                </div>
              )}
            </div>
          )}
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

/** How close to the end (px) still counts as "at the end". */
const END_SLACK = 48;

/**
 * The conversation. It follows the end while the user is there: on a new
 * instruction, as the answer streams, as markdown and images render late and
 * when the panel is shown again or resized. Once the user scrolls up it stays
 * where they put it and offers a "Jump to latest" button.
 */
export function Messages(props: IMessagesProps): JSX.Element {
  const { entries, trans, undoableTurnId, busy, ...context } = props;
  const newestTurn = answerableTurn(entries);
  const several = pendingReviews({ entries }) > 1;
  const listRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);
  const lastUser = lastUserEntryId(entries);
  const scrollToEnd = (list: HTMLElement) => {
    list.scrollTop = list.scrollHeight;
    lastTop.current = list.scrollTop;
  };
  const seenUser = useRef(lastUser);

  // A new instruction: follow the conversation again, from that message on.
  if (lastUser !== seenUser.current) {
    seenUser.current = lastUser;
    follow.current = true;
    if (away) {
      setAway(false);
    }
  }

  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && follow.current) {
      scrollToEnd(list);
    }
  });

  useEffect(() => {
    const list = listRef.current;
    const content = contentRef.current;
    if (!list || !content || typeof ResizeObserver === 'undefined') {
      return;
    }
    // Rendered markdown, loaded images, a shown or resized panel change sizes
    // after React rendered: keep the end in view while following.
    const observer = new ResizeObserver(() => {
      if (follow.current) {
        scrollToEnd(list);
      }
    });
    observer.observe(list);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  // Scroll events arrive a frame late, when streaming may already have added
  // lines below: only a move up (or the end) says what the user wants.
  const onScroll = () => {
    const list = listRef.current;
    if (!list || list.clientHeight === 0) {
      return; // hidden: nothing was scrolled by the user
    }
    const top = list.scrollTop;
    const atEnd = list.scrollHeight - top - list.clientHeight < END_SLACK;
    if (atEnd) {
      follow.current = true;
    } else if (top < lastTop.current - 1) {
      follow.current = false;
    }
    lastTop.current = top;
    setAway(!follow.current);
  };

  const jump = () => {
    follow.current = true;
    setAway(false);
    if (listRef.current) {
      scrollToEnd(listRef.current);
    }
  };

  return (
    <div className="jp-CodeInterp-messagesFrame">
      <div className="jp-CodeInterp-messages" ref={listRef} onScroll={onScroll}>
        <div className="jp-CodeInterp-messagesContent" ref={contentRef}>
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
              undoable={
                entry.kind === 'notice' && entry.turnId === undoableTurnId
              }
              answerable={
                entry.kind === 'question' && entry.turnId === newestTurn
              }
              busy={busy === true}
              severalPending={entry.kind === 'step' && several}
              {...context}
            />
          ))}
        </div>
      </div>
      {away && (
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-CodeInterp-jumpLatest"
          title={trans.__('Scroll to the end of the conversation')}
          onClick={jump}
        >
          {trans.__('↓ Jump to latest')}
        </button>
      )}
    </div>
  );
}

/** The id of the conversation's last instruction, if any. */
function lastUserEntryId(entries: readonly ConversationEntry[]): string | null {
  for (let index = entries.length - 1; index >= 0; index--) {
    if (entries[index].kind === 'user') {
      return entries[index].id;
    }
  }
  return null;
}
