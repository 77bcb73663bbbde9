import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { openProvidersDialog } from '../components/providers/ProvidersDialog';
import { ModelChoices } from '../providers/choices';
import { ProvidersClient } from '../providers/client';
import { ModelProviders } from '../providers/service';
import { IModelProviders } from '../providers/tokens';

/** Command ids. */
namespace CommandIDs {
  /** Open the providers settings dialog. */
  export const providers = 'code-interp:providers';
}

/**
 * Language model providers: the per-notebook model choice (remembered in the
 * state database), the providers settings dialog and its command.
 */
const plugin: JupyterFrontEndPlugin<IModelProviders> = {
  id: 'jupyter-code-interp:providers',
  description:
    'Model choice per notebook and the language model providers settings.',
  autoStart: true,
  provides: IModelProviders,
  optional: [IStateDB, ITranslator, ICommandPalette, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    state: IStateDB | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    tracker: INotebookTracker | null
  ): IModelProviders => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');
    const client = new ProvidersClient(app.serviceManager.serverSettings);
    const service = new ModelProviders({
      client,
      choices: new ModelChoices(state),
      openDialog: onChanged => openProvidersDialog(client, trans, onChanged)
    });
    app.commands.addCommand(CommandIDs.providers, {
      label: trans.__('Language Model Providers…'),
      caption: trans.__(
        'Add providers, set API keys and test connections for the Code Interpreter'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => service.openSettings()
    });
    palette?.addItem({
      command: CommandIDs.providers,
      category: trans.__('Code Interpreter')
    });
    // A renamed or moved notebook keeps its model choice.
    tracker?.widgetAdded.connect((_, panel) => {
      let path = panel.context.path;
      panel.context.pathChanged.connect((_context, newPath) => {
        service.choices.rename(path, newPath);
        path = newPath;
      });
    });
    return service;
  }
};

export default plugin;
