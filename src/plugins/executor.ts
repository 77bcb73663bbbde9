import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { NotebookExecutor } from '../executor';
import { KernelSetup, KernelSetupCode } from '../kernelSetup';
import { requestAPI } from '../request';
import { INotebookExecutor } from '../tokens';

/**
 * Provides the service that runs code as new cells of a notebook, in that
 * notebook's own kernel.
 */
const plugin: JupyterFrontEndPlugin<INotebookExecutor> = {
  id: 'jupyter-code-interp:executor',
  description:
    "Runs code as new cells of a notebook, in the notebook's kernel.",
  autoStart: true,
  provides: INotebookExecutor,
  activate: (app: JupyterFrontEnd): INotebookExecutor => {
    const serverSettings = app.serviceManager.serverSettings;
    const setup = new KernelSetup(() =>
      requestAPI<KernelSetupCode>('kernel-setup', serverSettings)
    );
    return new NotebookExecutor({ setup });
  }
};

export default plugin;
