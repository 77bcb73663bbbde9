import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IFileCard } from '../../protocol';
import { formatSize } from '../../format';

/** What the panel can do with a file it shows. */
export interface IFileActions {
  /** The `/files/` URL of a file (download link, thumbnail). */
  fileUrl: (path: string) => string;
  /** Open the file in JupyterLab. */
  open: (path: string) => void;
}

/** Props of `FileCards`. */
export interface IFileCardsProps {
  /** The files a step produced or the answer pointed at. */
  files: readonly IFileCard[];
  /** Whether they were pointed at by the answer (rather than made by a step). */
  mentioned: boolean;
  /** Open and download. */
  actions: IFileActions;
  /** Translation bundle. */
  trans: TranslationBundle;
}

function isImage(mime: string): boolean {
  return /^image\/(png|jpeg|gif|webp|bmp|svg\+xml)$/.test(mime);
}

/** Cards for files: name, size, thumbnail for images, Open and Download. */
export function FileCards(props: IFileCardsProps): JSX.Element {
  const { files, mentioned, actions, trans } = props;
  return (
    <div className="jp-CodeInterp-fileCards">
      <div className="jp-CodeInterp-fileCardsTitle">
        {mentioned
          ? trans.__('Files in the answer')
          : trans._n(
              'New or changed file',
              'New or changed files',
              files.length
            )}
      </div>
      {files.map(file => {
        const url = actions.fileUrl(file.path);
        return (
          <div
            key={file.path}
            className="jp-CodeInterp-fileCard"
            data-path={file.path}
          >
            {isImage(file.mime) && (
              <img
                className="jp-CodeInterp-fileThumb"
                src={url}
                alt={file.name}
                loading="lazy"
              />
            )}
            <div className="jp-CodeInterp-fileInfo">
              <span className="jp-CodeInterp-fileName" title={file.path}>
                {file.name}
              </span>
              <span className="jp-CodeInterp-fileSize">
                {formatSize(file.size)}
              </span>
            </div>
            <div className="jp-CodeInterp-fileActions">
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-fileOpen"
                title={trans.__('Open %1 in JupyterLab', file.path)}
                onClick={() => actions.open(file.path)}
              >
                {trans.__('Open')}
              </button>
              <a
                className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-fileDownload"
                href={url}
                download={file.name}
                title={trans.__('Download %1', file.name)}
              >
                {trans.__('Download')}
              </a>
            </div>
          </div>
        );
      })}
    </div>
  );
}
