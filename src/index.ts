import executorPlugin from './plugins/executor';
import panelPlugin from './plugins/panel';

/** The plugins of the jupyter-code-interp extension. */
export default [executorPlugin, panelPlugin];
