import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { ICodeInterpreterFiles } from '../files/tokens';
import { codeInterpreterIcon } from '../icons';

/** Command ids. */
namespace CommandIDs {
  /** Attach the selected files and focus the composer. */
  export const ask = 'code-interp:ask-about-files';
  /** Show the side panel (added by the panel plugin). */
  export const open = 'code-interp:open';
}

/** The file-browser items the context menu entry shows on. */
const FILE_SELECTOR = '.jp-DirListing-item[data-isdir="false"]';

/**
 * "Ask Code Interpreter" in the file browser's context menu: attaches the
 * selected files to the panel's next instruction.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-code-interp:filebrowser',
  description:
    'Adds “Ask Code Interpreter” to the file browser: attach the selected files.',
  autoStart: true,
  requires: [IDefaultFileBrowser, ICodeInterpreterFiles],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser,
    files: ICodeInterpreterFiles,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');
    const selectedFiles = () =>
      Array.from(browser.selectedItems()).filter(
        item => item.type !== 'directory'
      );

    app.commands.addCommand(CommandIDs.ask, {
      label: trans.__('Ask Code Interpreter'),
      caption: trans.__(
        'Attach the selected files to the Code Interpreter’s next instruction'
      ),
      icon: codeInterpreterIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => selectedFiles().length > 0,
      execute: async () => {
        files.attachExisting(selectedFiles());
        if (app.commands.hasCommand(CommandIDs.open)) {
          await app.commands.execute(CommandIDs.open);
        }
        files.requestFocus();
      }
    });
    app.contextMenu.addItem({
      command: CommandIDs.ask,
      selector: FILE_SELECTOR,
      rank: 3
    });
  }
};

export default plugin;
