import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IAttachment } from '../../files/attachments';
import type { ICodeInterpreterFiles } from '../../files/tokens';
import { AttachButton, AttachmentChips } from './Attachments';
import type { IComposerProps } from '../Composer';
import type { IFileActions } from './FileCards';
import type { IMentionSource } from './Mentions';

/** What the panel knows and can do about files. */
export interface IPanelFiles {
  /** The composer's chips. */
  attachments: readonly IAttachment[];
  /** Whether an upload is running. */
  uploading: boolean;
  /** Upload files picked, pasted or dropped. */
  onAttach: (files: File[]) => void;
  /** Remove a chip. */
  onRemove: (id: string) => void;
  /** `@` completion. */
  mentions: IMentionSource;
  /** Open and download files shown in the conversation. */
  actions: IFileActions;
  /** Changes when the composer should take the focus. */
  focusRequest: number;
}

/** The composer props that give it chips, attach, paste and `@` completion. */
export function composerFileProps(
  files: IPanelFiles | undefined,
  trans: TranslationBundle
): Partial<IComposerProps> {
  if (!files) {
    return {};
  }
  return {
    accessory: (
      <div className="jp-CodeInterp-attachments">
        {files.attachments.length > 0 && (
          <AttachmentChips
            items={files.attachments}
            trans={trans}
            onRemove={files.onRemove}
          />
        )}
        <AttachButton trans={trans} onFiles={files.onAttach} />
      </div>
    ),
    onPasteFiles: files.onAttach,
    mentions: files.mentions,
    focusRequest: files.focusRequest,
    waitingFor: files.uploading
      ? trans.__('Waiting for the uploads to finish…')
      : null
  };
}

/** One actions object per files service: message rows keep their props. */
const ACTIONS = new WeakMap<ICodeInterpreterFiles, IFileActions>();

function actionsOf(files: ICodeInterpreterFiles): IFileActions {
  let actions = ACTIONS.get(files);
  if (!actions) {
    actions = {
      fileUrl: path => files.fileUrl(path),
      open: path => files.open(path)
    };
    ACTIONS.set(files, actions);
  }
  return actions;
}

/** The panel's file props for the notebook at `notebookPath`. */
export function panelFiles(
  files: ICodeInterpreterFiles,
  notebookPath: string,
  focusRequest: number
): IPanelFiles {
  const directory = PathExt.dirname(notebookPath);
  return {
    attachments: files.attachments.items,
    uploading: files.attachments.uploading,
    onAttach: list => void files.upload(list, notebookPath),
    onRemove: id => files.attachments.remove(id),
    mentions: {
      list: query => files.listFiles(directory, query),
      pick: entry =>
        files.attachExisting([
          { path: entry.path, name: entry.name, size: entry.size }
        ])
    },
    actions: actionsOf(files),
    focusRequest
  };
}
