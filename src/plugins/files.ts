import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  DEFAULT_UPLOAD_SETTINGS,
  FilesManager,
  IUploadSettings
} from '../files/manager';
import { ICodeInterpreterFiles } from '../files/tokens';

/** The settings these options live in (schema/panel.json). */
const SETTINGS_ID = 'jupyter-code-interp:panel';

function readUploadSettings(
  settings: ISettingRegistry.ISettings
): IUploadSettings {
  const subfolder = settings.get('uploadSubfolder').composite;
  const limit = settings.get('maxUploadMB').composite;
  return {
    uploadSubfolder: typeof subfolder === 'string' ? subfolder.trim() : '',
    maxUploadMB:
      typeof limit === 'number' && Number.isFinite(limit) && limit > 0
        ? limit
        : DEFAULT_UPLOAD_SETTINGS.maxUploadMB
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
    let uploadSettings: IUploadSettings = { ...DEFAULT_UPLOAD_SETTINGS };
    const manager = new FilesManager({
      contents: app.serviceManager.contents,
      serverSettings: app.serviceManager.serverSettings,
      trans,
      settings: () => uploadSettings,
      open: path => {
        void app.commands.execute('docmanager:open', { path });
      }
    });
    settingRegistry
      ?.load(SETTINGS_ID)
      .then(settings => {
        uploadSettings = readUploadSettings(settings);
        settings.changed.connect(() => {
          uploadSettings = readUploadSettings(settings);
        });
      })
      .catch(reason => {
        console.error('Failed to load the upload settings.', reason);
      });
    return manager;
  }
};

export default plugin;
