/**
 * The side panel's confirmations: Undo of a turn and deletion of a stored
 * conversation.
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IConversation } from './conversation';
import { undoDialogText } from './notebook/review';

/** Ask whether to undo a turn (kernel side effects stay); true when confirmed. */
export async function confirmUndo(
  trans: TranslationBundle,
  conversation: IConversation,
  turnId: string
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Undo the last turn?'),
    body: undoDialogText(conversation, turnId, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Undo') })
    ]
  });
  return result.button.accept;
}

/** Ask whether to delete a stored conversation for good; true when confirmed. */
export async function confirmDeleteConversation(
  trans: TranslationBundle,
  title: string
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Delete this conversation?'),
    body: trans.__(
      '“%1” and its turns are deleted for good. The notebook’s cells stay.',
      title || trans.__('(empty conversation)')
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  return result.button.accept;
}
