import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';

import { CellChips } from '../cellChips';
import { CodeInterpreterController, ITurnSettings } from '../controller';
import { errorMessage } from '../errors';
import { exportConversation } from '../export/save';
import { createImageView } from '../imageView';
import { cellOutputs } from '../notebook/cells';
import { translateSettings } from '../i18n';
import { codeInterpreterIcon } from '../icons';
import { filesUrl } from '../files/manager';
import { ICodeInterpreterFiles } from '../files/tokens';
import { IModelProviders } from '../providers/tokens';
import { AnswerRendermime } from '../render/sanitizer';
import { ConversationStore } from '../store';
import { ChatSocket } from '../socket';
import { INotebookExecutor } from '../notebook/tokens';
import {
  numberSetting,
  PANEL_SETTINGS_ID,
  stringSetting,
  watchSettings
} from '../settings';
import { createNotebookFile, IKernelChoice } from '../notebook/newNotebook';
import { ICodeInterpreterPanel } from '../tokens';
import type { INewNotebook } from '../panelOptions';
import { CodeInterpreterPanel } from '../widget';

/** Command ids. */
namespace CommandIDs {
  /** Show the side panel. */
  export const open = 'code-interp:open';
  /** Export the current notebook's conversation as Markdown. */
  export const exportMarkdown = 'code-interp:export-markdown';
}

/** The turn settings in the panel's settings (bounds and defaults from the schema). */
function readTurnSettings(settings: ISettingRegistry.ISettings): ITurnSettings {
  return {
    maxSteps: numberSetting(settings, 'maxSteps'),
    outputLimit: numberSetting(settings, 'outputLimit'),
    defaultModel: stringSetting(settings, 'defaultModel'),
    autoRun: settings.get('autoRun').composite !== false,
    maxFixAttempts: numberSetting(settings, 'maxFixAttempts'),
    computeFigures: settings.get('computeFigures').composite !== false,
    trustEdits: settings.get('trustEdits').composite === true
  };
}

/**
 * The Code Interpreter side panel, its command and palette entry.
 */
const plugin: JupyterFrontEndPlugin<ICodeInterpreterPanel> = {
  id: PANEL_SETTINGS_ID,
  description:
    'A side panel where instructions become notebook cells run in the kernel.',
  autoStart: true,
  provides: ICodeInterpreterPanel,
  requires: [INotebookTracker, IRenderMimeRegistry, INotebookExecutor],
  optional: [
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    IDocumentManager,
    ICodeInterpreterFiles,
    IModelProviders,
    IDefaultFileBrowser,
    IStateDB,
    IEditorLanguageRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    executor: INotebookExecutor,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    docManager: IDocumentManager | null,
    files: ICodeInterpreterFiles | null,
    providers: IModelProviders | null,
    browser: IDefaultFileBrowser | null,
    state: IStateDB | null,
    languages: IEditorLanguageRegistry | null
  ): ICodeInterpreterPanel => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');
    // The server's messages (setup card, provider errors, how turns end) come in this language.
    const locale = translator?.languageCode ?? '';
    const serverSettings = app.serviceManager.serverSettings;
    // Until the settings are read, the server's configuration sets the limits.
    let turnSettings: ITurnSettings = {};
    const store = new ConversationStore();
    const controller = new CodeInterpreterController({
      socket: new ChatSocket({ serverSettings, locale }),
      locale,
      store,
      executor,
      settings: () => turnSettings,
      trans,
      serverSettings,
      // Called when a turn is sent: its model becomes the one used last.
      modelFor: providers
        ? (notebook, setting) => {
            const choice = providers.modelFor(
              notebook,
              store.status.status,
              setting
            );
            if (choice) {
              providers.choices.used(choice);
            }
            return choice;
          }
        : undefined
    });
    providers?.settingsChanged.connect(() => void controller.refreshStatus());

    /** A Python kernel: python3 if installed, else the default one. */
    const pythonKernel = (): IKernelChoice => {
      const specs = app.serviceManager.kernelspecs.specs;
      const name =
        specs && !specs.kernelspecs['python3'] && specs.default
          ? specs.default
          : 'python3';
      const spec = specs?.kernelspecs[name];
      return {
        name,
        displayName: spec?.display_name ?? 'Python 3 (ipykernel)',
        language: spec?.language ?? 'python'
      };
    };

    const createNotebook = async (): Promise<unknown> => {
      const kernelName = pythonKernel().name;
      if (app.commands.hasCommand('notebook:create-new')) {
        return app.commands.execute('notebook:create-new', { kernelName });
      }
      if (docManager) {
        const model = await docManager.newUntitled({
          type: 'notebook',
          path: ''
        });
        return docManager.open(model.path, 'default', { name: kernelName });
      }
      return undefined;
    };

    let savedSettings: ISettingRegistry.ISettings | null = null;
    const setAutoRun = (value: boolean): void => {
      turnSettings = { ...turnSettings, autoRun: value };
      widget.update();
      void savedSettings?.set('autoRun', value).catch(reason => {
        console.error('Could not save the auto-run setting.', reason);
      });
    };

    const answers = new AnswerRendermime({
      rendermime,
      trans,
      baseUrl: serverSettings.baseUrl,
      fileUrl: path =>
        files ? files.fileUrl(path) : filesUrl(serverSettings.baseUrl, path)
    });
    // An instruction sent while no notebook is open creates one in the file
    // browser's folder, named after it, and runs there.
    const newNotebook: INewNotebook | null = docManager
      ? {
          folder: () => browser?.model.path ?? '',
          create: async instruction => {
            const kernel = pythonKernel();
            const path = await createNotebookFile(
              docManager.services.contents,
              browser?.model.path ?? '',
              instruction,
              kernel
            );
            const opened = docManager.open(path, 'default', {
              name: kernel.name
            });
            if (!(opened instanceof NotebookPanel)) {
              throw new Error(trans.__('%1 did not open as a notebook.', path));
            }
            await opened.context.ready;
            return opened;
          }
        }
      : null;

    const cellChips = new CellChips();
    const widget = new CodeInterpreterPanel({
      cellChips,
      // The AGENTS.md of a turn's rules opens like any file of the server.
      openFile: path => void app.commands.execute('docmanager:open', { path }),
      controller,
      tracker,
      answers,
      trans,
      activate: id => app.shell.activateById(id),
      createNotebook,
      newNotebook,
      files,
      providers,
      setAutoRun,
      state,
      highlight: languages
        ? async language =>
            (await languages.getLanguage(language))?.support ?? null
        : undefined,
      openImage: (image, title) => {
        app.shell.add(createImageView(image, title), 'main', {
          mode: 'split-right'
        });
      },
      exportConversation: () =>
        void app.commands.execute(CommandIDs.exportMarkdown)
    });
    app.shell.add(widget, 'right', { rank: 650 });
    restorer?.add(widget, 'jupyter-code-interp');
    // The shell restores the sidebars' sizes of the last session after the
    // plugins started: the panel's own width goes on top of them.
    void app.restored.then(() => {
      if (widget.isVisible) {
        widget.restoreWidth();
      }
    });

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Code Interpreter'),
      caption: trans.__('Show the Code Interpreter side panel'),
      icon: args => (args['isPalette'] ? undefined : codeInterpreterIcon),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => app.shell.activateById(widget.id)
    });
    palette?.addItem({
      command: CommandIDs.open,
      category: trans.__('Code Interpreter')
    });

    const shownEntries = () => {
      const path = tracker.currentWidget?.context.path;
      return path === undefined ? [] : store.get(path).entries;
    };
    app.commands.addCommand(CommandIDs.exportMarkdown, {
      label: trans.__('Export Conversation as Markdown'),
      caption: trans.__(
        'Save the active notebook’s conversation as a Markdown file next to it, with its code, outputs and images'
      ),
      icon: args => (args['isPalette'] ? undefined : downloadIcon),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => shownEntries().length > 0,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return null;
        }
        try {
          const path = await exportConversation({
            contents: app.serviceManager.contents,
            notebook: panel.context.path,
            entries: store.get(panel.context.path).entries,
            outputsOf: step => cellOutputs(panel.content.model, step.cellId),
            trans
          });
          Notification.success(trans.__('Conversation exported to %1', path), {
            autoClose: 5000
          });
          if (docManager) {
            docManager.openOrReveal(path, 'Markdown Preview');
          }
          return path;
        } catch (reason) {
          Notification.error(
            trans.__(
              'The conversation could not be exported: %1',
              errorMessage(reason)
            )
          );
          return null;
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.exportMarkdown,
      category: trans.__('Code Interpreter')
    });

    if (settingRegistry) {
      translateSettings(settingRegistry, PANEL_SETTINGS_ID, trans);
      void watchSettings(
        settingRegistry,
        settings => {
          savedSettings = settings;
          turnSettings = readTurnSettings(settings);
          widget.update();
        },
        'Failed to load settings for jupyter-code-interp.'
      );
    }

    void controller.refreshStatus();
    return {
      cellChips,
      show: () => app.shell.activateById(widget.id),
      ask: (panel, instruction, cellIds) =>
        controller.startTurn(panel, instruction, [], cellIds)
    };
  }
};

export default plugin;
