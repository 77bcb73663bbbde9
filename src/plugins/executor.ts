import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { NotebookExecutor } from '../executor';
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
  activate: (app: JupyterFrontEnd): INotebookExecutor => new NotebookExecutor()
};

export default plugin;
