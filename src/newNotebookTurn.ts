/**
 * An instruction sent while no notebook is open: a notebook is created for it
 * and the turn runs there.
 */

import { errorMessage } from './errors';
import type { IAttachmentRef } from './files/attachments';
import type {
  ICodeInterpreterPanelOptions,
  INewNotebook
} from './panelOptions';

/** What starting a turn in a new notebook needs from the panel. */
export type NewNotebookTurnOptions = Pick<
  ICodeInterpreterPanelOptions,
  'controller' | 'trans' | 'files'
> & {
  /** Creates the notebook. */
  newNotebook: INewNotebook;
};

/**
 * Create a notebook for the instruction and start the turn in it; when that
 * fails, the panel says why and shows the instruction, so it is not lost.
 */
export async function startTurnInNewNotebook(
  options: NewNotebookTurnOptions,
  text: string,
  attached: readonly IAttachmentRef[]
): Promise<void> {
  const { newNotebook, controller, trans, files } = options;
  try {
    const created = await newNotebook.create(text);
    if (controller.startTurn(created, text, attached) !== null) {
      files?.attachments.clearSent();
    }
  } catch (reason) {
    controller.store.setGlobalError(
      trans.__(
        'No notebook could be created for your instruction (%1). Your instruction was: %2',
        errorMessage(reason),
        text
      )
    );
  }
}
