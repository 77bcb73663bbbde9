import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v12h16V6H4zm2.5 2.5 3.5 3.5-3.5 3.5-1.4-1.4L7.2 12 5.1 9.9zM11 15h6v2h-6z"/>
  </g>
</svg>`;

/** The Code Interpreter icon (a terminal prompt). */
export const codeInterpreterIcon = new LabIcon({
  name: 'jupyter-code-interp:icon',
  svgstr
});
