import { TranslationBundle } from '@jupyterlab/translation';
import React, { useRef } from 'react';

import type { IAttachment, IAttachmentRef } from '../../files/attachments';
import { formatSize } from '../../format';

/** Props of `AttachmentChips`. */
export interface IAttachmentChipsProps {
  /** The chips (composer) or the files a sent message carried. */
  items: readonly (IAttachment | IAttachmentRef)[];
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Remove a chip; chips of sent messages have no remove button. */
  onRemove?: (id: string) => void;
}

function isChip(item: IAttachment | IAttachmentRef): item is IAttachment {
  return 'state' in item;
}

/** Attached files as chips: name, size, upload progress, errors, renames. */
export function AttachmentChips(props: IAttachmentChipsProps): JSX.Element {
  const { items, trans, onRemove } = props;
  return (
    <div className="jp-CodeInterp-chips">
      {items.map(item => {
        const chip = isChip(item) ? item : null;
        const state = chip?.state ?? 'ready';
        const key = chip?.id ?? item.path;
        return (
          <div
            key={key}
            className="jp-CodeInterp-chip"
            data-state={state}
            data-path={item.path}
            title={chip?.message ?? item.path}
          >
            <span className="jp-CodeInterp-chipName">{item.name}</span>
            {item.size > 0 && (
              <span className="jp-CodeInterp-chipSize">
                {formatSize(item.size)}
              </span>
            )}
            {state === 'uploading' && (
              <progress
                className="jp-CodeInterp-chipProgress"
                max={1}
                value={chip?.progress ?? 0}
                aria-label={trans.__('Uploading %1', item.name)}
              />
            )}
            {chip?.renamedFrom && (
              <span className="jp-CodeInterp-chipNote">
                {trans.__(
                  'saved as %1: %2 already exists',
                  item.name,
                  chip.renamedFrom
                )}
              </span>
            )}
            {chip?.reused && (
              <span className="jp-CodeInterp-chipNote">
                {trans.__('already in the folder: the same file is reused')}
              </span>
            )}
            {chip?.message && (
              <span className="jp-CodeInterp-chipError" role="alert">
                {chip.message}
              </span>
            )}
            {chip && onRemove && (
              <button
                type="button"
                className="jp-Button jp-mod-minimal jp-CodeInterp-chipRemove"
                aria-label={trans.__('Remove %1', item.name)}
                title={trans.__('Remove')}
                onClick={() => onRemove(chip.id)}
              >
                ×
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** Props of `AttachButton`. */
export interface IAttachButtonProps {
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Whether attaching is possible now. */
  disabled?: boolean;
  /** The files the user picked. */
  onFiles: (files: File[]) => void;
}

/** A button that opens the file picker (a hidden `input type=file`). */
export function AttachButton(props: IAttachButtonProps): JSX.Element {
  const { trans, disabled, onFiles } = props;
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-attachButton"
        disabled={disabled}
        title={trans.__(
          'Attach files (or drop them on the panel, or paste them)'
        )}
        onClick={() => input.current?.click()}
      >
        {trans.__('Attach')}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        className="jp-CodeInterp-attach"
        aria-label={trans.__('Attach files')}
        onChange={event => {
          const files = Array.from(event.target.files ?? []);
          // Picking the same file again must fire a new change event.
          event.target.value = '';
          if (files.length) {
            onFiles(files);
          }
        }}
      />
    </>
  );
}
