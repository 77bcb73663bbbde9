import cellActionsPlugin from './plugins/cellActions';
import executorPlugin from './plugins/executor';
import filebrowserPlugin from './plugins/filebrowser';
import filesPlugin from './plugins/files';
import panelPlugin from './plugins/panel';
import providersPlugin from './plugins/providers';

/** The plugins of the jupyter-code-interp extension. */
export default [
  executorPlugin,
  filesPlugin,
  providersPlugin,
  panelPlugin,
  cellActionsPlugin,
  filebrowserPlugin
];
