import { PathExt } from '@jupyterlab/coreutils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { PanelView } from './components/Panel';
import type { IReviewActions } from './components/Review';
import { imageTitle } from './components/Step';
import { panelFiles } from './components/files/PanelFiles';
import { panelModelProps } from './components/providers/PanelModels';
import { DropTarget } from './files/dropTarget';
import { codeInterpreterIcon } from './icons';
import type { ApprovalChoice } from './approvals';
import { IStepEntry } from './conversation';
import { cellLabel } from './notebook/attachedCells';
import type { IAttachedCellRef } from './protocol';
import type { IAttachmentRef } from './files/attachments';
import { FALLBACK_NAME } from './notebook/newNotebook';
import { startTurnInNewNotebook } from './newNotebookTurn';
import { stepImage } from './imageView';
import { cellOutputs } from './notebook/cells';
import { ICellLocation, locateCell, revealCell } from './notebook/revealCell';
import { confirmDeleteConversation, confirmUndo } from './panelDialogs';
import type { ICodeInterpreterPanelOptions } from './panelOptions';
import { SidebarWidth } from './sidebarWidth';

/** DOM id of the side panel. */
export const PANEL_ID = 'jp-code-interp-panel';

/**
 * The Code Interpreter side panel: shows the active notebook's
 * conversation and drives the controller.
 */
export class CodeInterpreterPanel extends ReactWidget {
  /** Create the panel. */
  constructor(options: CodeInterpreterPanel.IOptions) {
    super();
    this._options = options;
    this._review = this._reviewActions();
    const { trans, controller, tracker } = options;
    this.id = PANEL_ID;
    this.addClass('jp-CodeInterp-panel');
    this.title.icon = codeInterpreterIcon;
    this.title.caption = trans.__('Code Interpreter');
    this.node.dataset.busy = 'false';
    this._width = new SidebarWidth(this, options.state ?? null);
    controller.store.changed.connect(this._onChanged, this);
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
    options.providers?.choices.changed.connect(this._onChanged, this);
    // Attached cells: the composer takes the focus for the question about them.
    options.cellChips?.changed.connect(this._onFocusRequested, this);
    const files = options.files;
    if (files) {
      files.attachments.changed.connect(this._onChanged, this);
      files.focusRequested.connect(this._onFocusRequested, this);
      this._drop = new DropTarget(this.node, {
        enabled: () => true,
        onFiles: list => void files.upload(list, this._filesPath()),
        onPaths: paths => void files.attachPaths(paths)
      });
    }
  }

  /** Stop listening. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._options.controller.store.changed.disconnect(this._onChanged, this);
    this._options.tracker.currentChanged.disconnect(
      this._onCurrentChanged,
      this
    );
    this._watchPath(null);
    this._options.providers?.choices.changed.disconnect(this._onChanged, this);
    this._options.cellChips?.changed.disconnect(this._onFocusRequested, this);
    this._options.files?.attachments.changed.disconnect(this._onChanged, this);
    this._options.files?.focusRequested.disconnect(
      this._onFocusRequested,
      this
    );
    this._drop?.dispose();
    this._width.dispose();
    super.dispose();
  }

  /** Render the view for the active notebook. */
  protected render(): JSX.Element {
    const { trans, controller, answers } = this._options;
    const store = controller.store;
    const panel = this._options.tracker.currentWidget;
    const path = panel?.context.path ?? null;
    const conversation = path === null ? null : store.get(path);
    this.node.dataset.busy =
      conversation?.turn || this._creating ? 'true' : 'false';
    const files = this._options.files;
    return (
      <PanelView
        trans={trans}
        rendermime={answers.for(path)}
        notebook={
          panel ? { path: panel.context.path, name: panel.title.label } : null
        }
        conversation={conversation}
        status={store.status}
        connection={store.connection}
        globalError={store.globalError}
        onSend={text => {
          const attached = files?.attachments.ready ?? [];
          if (panel === null) {
            return this._sendInNewNotebook(text, attached);
          }
          const chips = this._options.cellChips;
          const cellIds = chips?.items(panel.context.path).map(c => c.id);
          const sent =
            controller.startTurn(panel, text, attached, cellIds) !== null;
          if (sent) {
            files?.attachments.clearSent();
            chips?.clear(panel.context.path);
          }
          return sent;
        }}
        onRetryTurn={this._onRetryTurn}
        newNotebookFolder={
          panel === null && this._options.newNotebook
            ? this._options.newNotebook.folder()
            : null
        }
        creatingNotebook={this._creating}
        onStop={() => path !== null && controller.stop(path)}
        onReset={() => path !== null && controller.reset(path)}
        onRetry={() => void controller.refreshStatus()}
        onCreateNotebook={() => void this._options.createNotebook()}
        onShowCell={this._onShowCell}
        onEditCell={this._onEditCell}
        onApprove={this._onApprove}
        review={this._review}
        onUndo={this._onUndo}
        onOpenImage={this._onOpenImage}
        onExport={this._options.exportConversation}
        fontHint={path !== null && store.fontHint(path)}
        onDismissFontHint={() =>
          path !== null && store.setFontHint(path, false)
        }
        autoRun={controller.turnSettings.autoRun !== false}
        onAutoRunChange={this._options.setAutoRun}
        conversations={
          path === null
            ? undefined
            : {
                list: store.conversations(path),
                onList: () => controller.conversations.list(path),
                onOpen: id => controller.conversations.open(path, id),
                onDelete: item => void this._deleteConversation(path, item)
              }
        }
        onDismissError={() => store.setGlobalError(null)}
        files={
          files
            ? panelFiles(files, this._filesPath(), this._focusRequest)
            : undefined
        }
        agent={{
          chips:
            path === null ? [] : (this._options.cellChips?.items(path) ?? []),
          onRemoveChip: this._onRemoveChip,
          onShowCell: this._onShowAttachedCell,
          onAnswer: this._onAnswer,
          onOpenRules: this._options.openFile,
          cellLabel: this._cellLabel
        }}
        {...panelModelProps({
          providers: this._options.providers,
          status: store.status.status,
          notebook: path,
          conversation,
          settingModel: controller.turnSettings.defaultModel ?? '',
          trans
        })}
      />
    );
  }

  /**
   * No notebook is open: create one for the instruction in the file
   * browser's folder and run the turn there; false if one is being created.
   */
  private _sendInNewNotebook(
    text: string,
    attached: readonly IAttachmentRef[]
  ): boolean {
    const { newNotebook, controller, trans, files } = this._options;
    if (!newNotebook || this._creating || !text.trim()) {
      return false;
    }
    this._creating = true;
    this.update();
    void startTurnInNewNotebook(
      { newNotebook, controller, trans, files },
      text,
      attached
    ).finally(() => {
      this._creating = false;
      this._onChanged();
    });
    return true;
  }

  /**
   * The notebook path uploads and `@` completion are relative to: the active
   * notebook's, else one in the folder where a new notebook would go.
   */
  private _filesPath(): string {
    const panel = this._options.tracker.currentWidget;
    if (panel) {
      return panel.context.path;
    }
    const folder = this._options.newNotebook?.folder() ?? '';
    return PathExt.join(folder, `${FALLBACK_NAME}.ipynb`);
  }

  private _onChanged(): void {
    const path = this._options.tracker.currentWidget?.context.path;
    this.node.dataset.busy =
      this._creating ||
      (path !== undefined && this._options.controller.store.isBusy(path))
        ? 'true'
        : 'false';
    this.update();
  }

  private _onFocusRequested(): void {
    this._focusRequest += 1;
    this.update();
  }

  /** Get the shown notebook's kernel ready for its first turn; take the panel's width. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._prepareCurrent();
    this.restoreWidth();
  }

  /** Give the shown panel its own width (the user's, else the default), once laid out. */
  restoreWidth(): void {
    requestAnimationFrame(() => void this._width.restore());
  }

  private _prepareCurrent(): void {
    const panel = this._options.tracker.currentWidget;
    if (panel && this.isVisible) {
      this._options.controller.prepare(panel);
    }
  }

  private _onCurrentChanged(): void {
    const panel = this._options.tracker.currentWidget;
    this._prepareCurrent();
    this._watchPath(panel);
    this._options.controller.conversations.showNotebook(
      panel?.context.path ?? null
    );
    this._onChanged();
  }

  private _onPathChanged(_: unknown, path: string): void {
    const previous = this._watchedPath;
    this._watchedPath = path;
    if (previous !== null && previous !== path) {
      this._options.controller.conversations.notebookRenamed(previous, path);
    }
    this._onChanged();
  }

  private _watchPath(panel: NotebookPanel | null): void {
    this._watched?.context.pathChanged.disconnect(this._onPathChanged, this);
    this._watched = panel;
    this._watchedPath = panel?.context.path ?? null;
    panel?.context.pathChanged.connect(this._onPathChanged, this);
  }

  /** Undo a turn after the user confirmed (kernel side effects stay). */
  private async _undo(notebook: string, turnId: string): Promise<void> {
    const { trans, controller } = this._options;
    if (await confirmUndo(trans, controller.store.get(notebook), turnId)) {
      controller.conversations.undo(notebook, turnId);
    }
  }

  /** Delete a stored conversation after the user confirmed. */
  private async _deleteConversation(
    notebook: string,
    item: { id: string; title: string }
  ): Promise<void> {
    const { trans, controller } = this._options;
    if (await confirmDeleteConversation(trans, item.title)) {
      controller.conversations.delete(notebook, item.id);
    }
  }

  /** Activate a notebook and show one of its cells (for `edit`, in its editor). */
  private _showCell(
    notebook: string | null,
    cell: ICellLocation,
    edit = false
  ): void {
    const panel = this._options.tracker.find(p => p.context.path === notebook);
    if (!panel || !panel.content.model) {
      return;
    }
    const index = locateCell(panel, cell);
    this._options.activate(panel.id);
    revealCell(panel, index, edit);
  }

  /** The current notebook's conversation path, if any. */
  private _conversationPath(): string | null {
    const path = this._options.tracker.currentWidget?.context.path;
    return path === undefined
      ? null
      : this._options.controller.store.get(path).notebook;
  }

  // The message list's callbacks keep their identity across renders, so that
  // unchanged messages are not rendered again (see `Messages`).
  private _onShowCell = (step: IStepEntry): void =>
    this._showCell(this._conversationPath(), step);
  private _onEditCell = (step: IStepEntry): void =>
    this._showCell(this._conversationPath(), step, true);
  private _onShowAttachedCell = (cellId: string): void =>
    this._showCell(this._conversationPath(), { cellId, cellIndex: null });
  private _onRemoveChip = (cellId: string): void => {
    const path = this._conversationPath();
    if (path !== null) {
      this._options.cellChips?.remove(path, cellId);
    }
  };
  private _onAnswer = (answer: string): void => {
    const panel = this._options.tracker.currentWidget;
    if (panel) {
      this._options.controller.startTurn(panel, answer);
    }
  };
  private _cellLabel = (cell: IAttachedCellRef): string =>
    cellLabel(this._options.tracker.currentWidget?.content.model, cell.id) ||
    `#${cell.index + 1}`;
  private _onApprove = (step: IStepEntry, choice: ApprovalChoice): void => {
    this._options.controller.approve(step.turnId, choice);
  };
  /** Accept / Reject / Accept all of the changes under review, and their highlighting. */
  private _reviewActions = (): IReviewActions => ({
    decide: (step, decision) =>
      this._options.controller.reviews.decide(step.turnId, step.step, decision),
    acceptAll: step => this._options.controller.reviews.acceptAll(step.turnId),
    highlight: this._options.highlight
  });
  private _onRetryTurn = (turnId: string): void => {
    const panel = this._options.tracker.currentWidget;
    if (panel) {
      this._options.controller.retry(panel, turnId);
    }
  };
  private _onOpenImage = (step: IStepEntry, index: number): void => {
    const panel = this._options.tracker.find(
      p => p.context.path === this._conversationPath()
    );
    const outputs = cellOutputs(panel?.content.model, step.cellId);
    const image = stepImage(outputs, step.images, index);
    if (image) {
      this._options.openImage?.(
        image,
        imageTitle(step, index, this._options.trans)
      );
    }
  };
  private _onUndo = (turnId: string): void => {
    const path = this._options.tracker.currentWidget?.context.path;
    if (path !== undefined) {
      void this._undo(path, turnId);
    }
  };

  private _options: CodeInterpreterPanel.IOptions;
  private _review: IReviewActions;
  private _watched: NotebookPanel | null = null;
  private _watchedPath: string | null = null;
  private _drop: DropTarget | null = null;
  private _focusRequest = 0;
  /** A notebook is being created for an instruction sent without one. */
  private _creating = false;
  private _width: SidebarWidth;
}

/** Namespace for `CodeInterpreterPanel` types. */
export namespace CodeInterpreterPanel {
  /** Construction options. */
  export type IOptions = ICodeInterpreterPanelOptions;
}
