import { LabIcon } from '@jupyterlab/ui-components';

// Every painted shape carries `jp-icon3`, so the icon follows the theme (light, dark,
// high contrast) like JupyterLab's own icons.
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M7 2h7a2 2 0 0 1 2 2v3.5h-2V4H7v16h7v-3.5h2V20a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z"/>
    <path d="M2.5 6H6v1.8H2.5zM2.5 11.1H6v1.8H2.5zM2.5 16.2H6v1.8H2.5z"/>
    <path d="M8.5 7h4v1.8h-4zM8.5 10.6h3v1.8h-3z"/>
    <path d="M18.5 7l1.5 3.5 3.5 1.5-3.5 1.5-1.5 3.5-1.5-3.5-3.5-1.5 3.5-1.5z"/>
  </g>
</svg>`;

/** The Code Interpreter icon: a notebook with a spark (not the Terminal's prompt). */
export const codeInterpreterIcon = new LabIcon({
  name: 'jupyter-code-interp:icon',
  svgstr
});
