import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { FilesManager, IUploadSettings } from '../files/manager';
import { ICodeInterpreterFiles } from '../files/tokens';
import { numberSetting, stringSetting, watchSettings } from '../settings';

/** The upload settings in the panel's settings (bounds and defaults from the schema). */
function readUploadSettings(
  settings: ISettingRegistry.ISettings
): IUploadSettings {
  return {
    uploadSubfolder: stringSetting(settings, 'uploadSubfolder'),
    maxUploadMB: numberSetting(settings, 'maxUploadMB')
  };
}

/**
 * Attachments and file links of the Code Interpreter: uploads through the
 * Contents API, `@` completion, `/files/` URLs.
 */
const plugin: JupyterFrontEndPlugin<ICodeInterpreterFiles> = {
  id: 'jupyter-code-interp:files',
  description:
    'Uploads and attachments of the Code Interpreter panel, and links to the files it produces.',
  autoStart: true,
  provides: ICodeInterpreterFiles,
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): ICodeInterpreterFiles => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');
    // Without settings (none loaded, or none to load) uploads have no limit.
    let uploadSettings: IUploadSettings = { uploadSubfolder: '' };
    const loaded = settingRegistry
      ? watchSettings(
          settingRegistry,
          settings => {
            uploadSettings = readUploadSettings(settings);
          },
          'Failed to load the upload settings.'
        )
      : null;
    const manager = new FilesManager({
      contents: app.serviceManager.contents,
      serverSettings: app.serviceManager.serverSettings,
      trans,
      settings: async () => {
        await loaded; // an upload waits for the settings' limit
        return uploadSettings;
      },
      open: path => {
        void app.commands.execute('docmanager:open', { path });
      }
    });
    return manager;
  }
};

export default plugin;
