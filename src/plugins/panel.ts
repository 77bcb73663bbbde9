import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  CodeInterpreterController,
  DEFAULT_TURN_SETTINGS,
  ITurnSettings
} from '../controller';
import { translateSettings } from '../i18n';
import { codeInterpreterIcon } from '../icons';
import { ICodeInterpreterFiles } from '../files/tokens';
import { IModelProviders } from '../providers/tokens';
import { ConversationStore } from '../store';
import { ChatSocket } from '../socket';
import { INotebookExecutor } from '../notebook/tokens';
import { CodeInterpreterPanel } from '../widget';

/** The plugin id, also the id of its settings (schema/panel.json). */
const PLUGIN_ID = 'jupyter-code-interp:panel';

/** Command ids. */
namespace CommandIDs {
  /** Show the side panel. */
  export const open = 'code-interp:open';
}

function clamp(value: unknown, min: number, max: number, fallback: number) {
  const number = typeof value === 'number' ? Math.floor(value) : NaN;
  return Number.isFinite(number)
    ? Math.min(max, Math.max(min, number))
    : fallback;
}

function readSettings(settings: ISettingRegistry.ISettings): ITurnSettings {
  const model = settings.get('defaultModel').composite;
  return {
    maxSteps: clamp(settings.get('maxSteps').composite, 1, 50, 10),
    outputLimit: clamp(
      settings.get('outputLimit').composite,
      200,
      100000,
      DEFAULT_TURN_SETTINGS.outputLimit
    ),
    defaultModel: typeof model === 'string' ? model.trim() : '',
    autoRun: settings.get('autoRun').composite !== false,
    maxFixAttempts: clamp(settings.get('maxFixAttempts').composite, 0, 10, 3)
  };
}

/**
 * The Code Interpreter side panel, its command and palette entry.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A side panel where instructions become notebook cells run in the kernel.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry, INotebookExecutor],
  optional: [
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    IDocumentManager,
    ICodeInterpreterFiles,
    IModelProviders
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
    providers: IModelProviders | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');
    const serverSettings = app.serviceManager.serverSettings;
    let turnSettings: ITurnSettings = { ...DEFAULT_TURN_SETTINGS };
    const store = new ConversationStore();
    const controller = new CodeInterpreterController({
      socket: new ChatSocket({ serverSettings }),
      store,
      executor,
      settings: () => turnSettings,
      trans,
      serverSettings,
      modelFor: providers
        ? (notebook, setting) =>
            providers.modelFor(notebook, store.status.status, setting)
        : undefined
    });
    providers?.settingsChanged.connect(() => void controller.refreshStatus());

    const createNotebook = async (): Promise<unknown> => {
      const specs = app.serviceManager.kernelspecs.specs;
      const kernelName =
        specs && !specs.kernelspecs['python3'] && specs.default
          ? specs.default
          : 'python3';
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

    const widget = new CodeInterpreterPanel({
      controller,
      tracker,
      rendermime,
      trans,
      activate: id => app.shell.activateById(id),
      createNotebook,
      files,
      providers,
      setAutoRun
    });
    app.shell.add(widget, 'right', { rank: 650 });
    restorer?.add(widget, 'jupyter-code-interp');

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

    if (settingRegistry) {
      translateSettings(settingRegistry, PLUGIN_ID, trans);
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          savedSettings = settings;
          turnSettings = readSettings(settings);
          widget.update();
          settings.changed.connect(() => {
            turnSettings = readSettings(settings);
            widget.update();
          });
        })
        .catch(reason => {
          console.error(
            'Failed to load settings for jupyter-code-interp.',
            reason
          );
        });
    }

    void controller.refreshStatus();
  }
};

export default plugin;
