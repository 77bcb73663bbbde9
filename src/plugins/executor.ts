import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { KernelInspectCode, KernelInspector } from '../notebook/inspector';
import { NotebookExecutor } from '../notebook/executor';
import { KernelSetup, KernelSetupCode } from '../notebook/kernelSetup';
import { requestAPI } from '../request';
import { INotebookExecutor } from '../notebook/tokens';

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
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null
  ): INotebookExecutor => {
    const serverSettings = app.serviceManager.serverSettings;
    const setup = new KernelSetup(() =>
      requestAPI<KernelSetupCode>('kernel-setup', serverSettings)
    );
    const inspector = new KernelInspector(() =>
      requestAPI<KernelInspectCode>('kernel-inspect', serverSettings)
    );
    const findPanel = (path: string): NotebookPanel | null =>
      tracker?.find(panel => panel.context.path === path) ?? null;
    return new NotebookExecutor({ setup, inspector, findPanel });
  }
};

export default plugin;
