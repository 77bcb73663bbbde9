import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { PanelView } from './components/Panel';
import { CodeInterpreterController } from './controller';
import { codeInterpreterIcon } from './icons';
import { IStepEntry } from './model';

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
    const { trans, controller, tracker } = options;
    this.id = PANEL_ID;
    this.addClass('jp-CodeInterp-panel');
    this.title.icon = codeInterpreterIcon;
    this.title.caption = trans.__('Code Interpreter');
    this.node.dataset.busy = 'false';
    controller.store.changed.connect(this._onChanged, this);
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
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
    super.dispose();
  }

  /** Render the view for the active notebook. */
  protected render(): JSX.Element {
    const { trans, controller, rendermime } = this._options;
    const store = controller.store;
    const panel = this._options.tracker.currentWidget;
    const path = panel?.context.path ?? null;
    const conversation = path === null ? null : store.get(path);
    this.node.dataset.busy = conversation?.turn ? 'true' : 'false';
    return (
      <PanelView
        trans={trans}
        rendermime={rendermime}
        notebook={
          panel ? { path: panel.context.path, name: panel.title.label } : null
        }
        conversation={conversation}
        status={store.status}
        connection={store.connection}
        globalError={store.globalError}
        onSend={text =>
          panel ? controller.startTurn(panel, text) !== null : false
        }
        onStop={() => path !== null && controller.stop(path)}
        onReset={() => path !== null && controller.reset(path)}
        onRetry={() => void controller.refreshStatus()}
        onCreateNotebook={() => void this._options.createNotebook()}
        onShowCell={step =>
          this._showCell(conversation?.notebook ?? null, step)
        }
        onDismissError={() => store.setGlobalError(null)}
      />
    );
  }

  private _onChanged(): void {
    const path = this._options.tracker.currentWidget?.context.path;
    this.node.dataset.busy =
      path !== undefined && this._options.controller.store.isBusy(path)
        ? 'true'
        : 'false';
    this.update();
  }

  private _onCurrentChanged(): void {
    this._watchPath(this._options.tracker.currentWidget);
    this._onChanged();
  }

  private _watchPath(panel: NotebookPanel | null): void {
    this._watched?.context.pathChanged.disconnect(this._onChanged, this);
    this._watched = panel;
    panel?.context.pathChanged.connect(this._onChanged, this);
  }

  private _showCell(notebook: string | null, step: IStepEntry): void {
    const panel = this._options.tracker.find(p => p.context.path === notebook);
    if (!panel || !panel.content.model) {
      return;
    }
    const cells = panel.content.widgets;
    let index = cells.findIndex(c => c.model.id === step.cellId);
    if (index === -1) {
      index = step.cellIndex ?? -1;
    }
    this._options.activate(panel.id);
    if (index < 0 || index >= cells.length) {
      return;
    }
    panel.content.mode = 'command';
    panel.content.activeCellIndex = index;
    panel.content.deselectAll();
    void panel.content
      .scrollToCell(cells[index], 'center')
      .catch(() => undefined);
  }

  private _options: CodeInterpreterPanel.IOptions;
  private _watched: NotebookPanel | null = null;
}

/** Namespace for `CodeInterpreterPanel` types. */
export namespace CodeInterpreterPanel {
  /** Construction options. */
  export interface IOptions {
    /** The controller (and its store). */
    controller: CodeInterpreterController;
    /** Tracks the active notebook. */
    tracker: INotebookTracker;
    /** Renders assistant markdown. */
    rendermime: IRenderMimeRegistry;
    /** Translation bundle. */
    trans: TranslationBundle;
    /** Activate a main-area widget by id. */
    activate: (id: string) => void;
    /** Create and open a new notebook. */
    createNotebook: () => Promise<unknown>;
  }
}
