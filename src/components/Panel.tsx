import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { ApprovalChoice } from '../approvals';
import { IConversation, IStepEntry } from '../conversation';
import type { IConversationsFrame, IConversationSummary } from '../protocol';
import type { IStatusState } from '../store';
import type { ConnectionStatus } from '../socket';
import { CellChipList, IPanelAgent } from './Agent';
import { FontHintCard, NoNotebookCard, SetupCard } from './Cards';
import { Composer } from './Composer';
import { ConversationMenu } from './Conversations';
import { Messages } from './Messages';
import type { IReviewActions } from './Review';
import { composerFileProps, IPanelFiles } from './files/PanelFiles';

/** Props of `PanelView`. */
export interface IPanelViewProps {
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Renders assistant markdown. */
  rendermime: IRenderMimeRegistry;
  /** The active notebook, if any. */
  notebook: { path: string; name: string } | null;
  /** The active notebook's conversation. */
  conversation: IConversation | null;
  /** Server readiness. */
  status: IStatusState;
  /** Chat connection state. */
  connection: ConnectionStatus;
  /** An error not tied to a turn. */
  globalError: string | null;
  /** Send an instruction; returns whether it was accepted. */
  onSend: (text: string) => boolean;
  /** Stop the running turn. */
  onStop: () => void;
  /** Start a new conversation. */
  onReset: () => void;
  /** Fetch the server status again. */
  onRetry: () => void;
  /** Create and open a notebook. */
  onCreateNotebook: () => void;
  /** Reveal a step's cell. */
  onShowCell: (step: IStepEntry) => void;
  /** Hide the global error. */
  onDismissError: () => void;
  /** Attachments, uploads and file cards (absent: no file features). */
  files?: IPanelFiles;
  /** The model picker and usage bar under the header (absent: none). */
  modelBar?: React.ReactNode;
  /** Open the providers settings (absent: no settings button on the setup card). */
  onConfigure?: () => void;
  /** The notebook's stored conversations and what to do with them (absent: no menu). */
  conversations?: IPanelConversations;
  /** Run proposed cells at once (false: each waits for Run or Skip). */
  autoRun?: boolean;
  /** Change the auto-run setting (absent: no toggle). */
  onAutoRunChange?: (value: boolean) => void;
  /** Answer a cell waiting for Run or Skip. */
  onApprove?: (step: IStepEntry, choice: ApprovalChoice) => void;
  /** Select a step's cell for editing before Run. */
  onEditCell?: (step: IStepEntry) => void;
  /** Undo a finished turn (the caller confirms). */
  onUndo?: (turnId: string) => void;
  /** Accept or reject changes under review (absent: no buttons). */
  review?: IReviewActions;
  /** Send a failed turn's instruction again (absent: no Retry button). */
  onRetryTurn?: (turnId: string) => void;
  /**
   * No notebook is open and the first instruction creates one in this folder
   * ('' is the root); null: no composer without a notebook.
   */
  newNotebookFolder?: string | null;
  /** A notebook is being created for the instruction just sent. */
  creatingNotebook?: boolean;
  /** Open a step's image at full size (absent: a click reveals the cell). */
  onOpenImage?: (step: IStepEntry, index: number) => void;
  /** Export the conversation as Markdown (absent: no button). */
  onExport?: () => void;
  /** Show the card saying plots lack a CJK font, with the fix. */
  fontHint?: boolean;
  /** Hide that card. */
  onDismissFontHint?: () => void;
  /** Attached cells, questions and rules (absent: none of them). */
  agent?: IPanelAgent;
}

/** The notebook's stored conversations for the header menu. */
export interface IPanelConversations {
  list: IConversationsFrame | null;
  onList: () => void;
  onOpen: (id: string) => void;
  onDelete: (item: IConversationSummary) => void;
}

/** The auto-run switch under the instruction box. */
function AutoRunToggle(props: {
  value: boolean;
  trans: TranslationBundle;
  onChange: (value: boolean) => void;
}): JSX.Element {
  const { value, trans } = props;
  return (
    <label
      className="jp-CodeInterp-autoRun"
      title={trans.__(
        'On: the model’s cells run at once. Off: each cell is inserted and waits for Run or Skip.'
      )}
    >
      <input
        type="checkbox"
        checked={value}
        onChange={event => props.onChange(event.target.checked)}
      />
      {trans.__('Auto-run')}
    </label>
  );
}

/** The composer's file props, with the attached cells' chips above them. */
function composerProps(
  props: IPanelViewProps,
  trans: TranslationBundle
): ReturnType<typeof composerFileProps> {
  const fileProps = composerFileProps(props.files, trans);
  const agent = props.agent;
  if (!agent?.chips.length) {
    return fileProps;
  }
  return {
    ...fileProps,
    accessory: (
      <>
        <CellChipList
          chips={agent.chips}
          trans={trans}
          onShow={agent.onShowCell}
          onRemove={agent.onRemoveChip}
        />
        {fileProps.accessory}
      </>
    )
  };
}

/** The whole side panel: header, cards or conversation, composer. */
export function PanelView(props: IPanelViewProps): JSX.Element {
  const { trans, status, notebook, conversation } = props;
  const busy =
    (conversation?.turn !== null && conversation?.turn !== undefined) ||
    props.creatingNotebook === true;
  const problem =
    status.fetchError ??
    (status.status && !status.status.ready
      ? status.status.problem ||
        trans.__('No language model provider is configured.')
      : null);
  const checking = status.status === null && problem === null;
  const usable = !checking && problem === null && notebook !== null;
  const newFolder = props.newNotebookFolder ?? null;
  // Without a notebook the composer stays: the first instruction creates one.
  const composing =
    usable || (!checking && problem === null && newFolder !== null);

  return (
    <div className="jp-CodeInterp-view">
      <div className="jp-CodeInterp-header">
        <div className="jp-CodeInterp-headerTitle">
          <span className="jp-CodeInterp-title">
            {trans.__('Code Interpreter')}
          </span>
          {notebook && (
            <span className="jp-CodeInterp-notebookName" title={notebook.path}>
              {notebook.name}
            </span>
          )}
        </div>
        {usable && props.conversations && (
          <ConversationMenu
            list={props.conversations.list}
            busy={busy}
            trans={trans}
            onList={props.conversations.onList}
            onOpen={props.conversations.onOpen}
            onDelete={props.conversations.onDelete}
          />
        )}
        {usable && props.onExport && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-export"
            disabled={!conversation?.entries.length}
            title={trans.__(
              'Export this conversation as Markdown, with its code, outputs and images, next to the notebook'
            )}
            aria-label={trans.__('Export as Markdown')}
            onClick={props.onExport}
          >
            <downloadIcon.react tag="span" />
          </button>
        )}
        {usable && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-newConversation"
            disabled={busy}
            title={trans.__(
              'Start a new conversation; earlier ones stay under History'
            )}
            onClick={props.onReset}
          >
            {trans.__('New conversation')}
          </button>
        )}
      </div>
      {usable && props.modelBar}
      {props.globalError && (
        <div className="jp-CodeInterp-banner" role="alert">
          <span>{props.globalError}</span>
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-CodeInterp-dismiss"
            aria-label={trans.__('Dismiss')}
            onClick={props.onDismissError}
          >
            ×
          </button>
        </div>
      )}
      {checking && (
        <div className="jp-CodeInterp-loading">
          {trans.__('Checking the server…')}
        </div>
      )}
      {problem !== null && (
        <SetupCard
          problem={problem}
          loading={status.loading}
          trans={trans}
          onRetry={props.onRetry}
          onConfigure={props.onConfigure}
        />
      )}
      {!checking && notebook === null && (
        <NoNotebookCard
          trans={trans}
          onCreate={props.onCreateNotebook}
          folder={problem === null ? newFolder : null}
          creating={props.creatingNotebook === true}
        />
      )}
      {usable && conversation && (
        <>
          <Messages
            key={conversation.notebook}
            entries={conversation.entries}
            rendermime={props.rendermime}
            trans={trans}
            onShowCell={props.onShowCell}
            fileActions={props.files?.actions}
            onApprove={props.onApprove}
            onEditCell={props.onEditCell}
            undoableTurnId={busy ? null : conversation.undoableTurnId}
            onUndo={props.onUndo}
            onRetry={props.onRetryTurn}
            onOpenImage={props.onOpenImage}
            busy={busy}
            onAnswer={props.agent?.onAnswer}
            onOpenRules={props.agent?.onOpenRules}
            onShowAttachedCell={props.agent?.onShowCell}
            cellLabel={props.agent?.cellLabel}
            review={props.review}
          />
          {props.fontHint && props.onDismissFontHint && (
            <FontHintCard trans={trans} onDismiss={props.onDismissFontHint} />
          )}
          {conversation.turn?.remote && (
            <div className="jp-CodeInterp-remoteTurn">
              {trans.__(
                'A turn of this conversation runs in another tab or window; this view follows it.'
              )}
            </div>
          )}
        </>
      )}
      {composing && (
        <>
          {props.connection !== 'connected' && (
            <div className="jp-CodeInterp-connection">
              {trans.__('Connecting to the server…')}
            </div>
          )}
          <Composer
            busy={busy}
            trans={trans}
            onSend={props.onSend}
            onStop={props.onStop}
            canStop={
              !conversation?.turn?.remote && props.creatingNotebook !== true
            }
            options={
              props.onAutoRunChange && (
                <AutoRunToggle
                  value={props.autoRun ?? true}
                  trans={trans}
                  onChange={props.onAutoRunChange}
                />
              )
            }
            {...composerProps(props, trans)}
          />
        </>
      )}
    </div>
  );
}
