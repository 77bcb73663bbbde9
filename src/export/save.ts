/**
 * Writing a conversation's Markdown export next to its notebook through the
 * Contents API: `<notebook>-conversation.md` and its images in
 * `<notebook>-conversation_files/` (nbconvert's layout), never overwriting
 * anything (a taken name becomes `… (1).md`).
 */

import { PathExt } from '@jupyterlab/coreutils';
import type * as nbformat from '@jupyterlab/nbformat';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ConversationEntry, IStepEntry } from '../conversation';
import {
  ensureDirectory,
  freeName,
  IUploadContents,
  splitName
} from '../files/upload';
import { conversationToMarkdown, safeFileName } from './markdown';

/** The folder of an export's images, beside `<stem>.md`. */
export function imageFolderOf(markdownName: string): string {
  return `${splitName(markdownName)[0]}_files`;
}

/** Options of `exportConversation`. */
export interface IExportOptions {
  /** The Contents API (or a part of it). */
  contents: IUploadContents;
  /** The notebook's path, relative to the server root. */
  notebook: string;
  /** The conversation's entries. */
  entries: readonly ConversationEntry[];
  /** The outputs of a step's cell, or null when the cell is gone. */
  outputsOf: (step: IStepEntry) => readonly nbformat.IOutput[] | null;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** When the export is made. */
  date?: Date;
}

/** Write the export; resolves with the Markdown file's path. */
export async function exportConversation(
  options: IExportOptions
): Promise<string> {
  const { contents, notebook, trans } = options;
  const directory = PathExt.dirname(notebook);
  const [stem] = splitName(PathExt.basename(notebook));
  const listing = await contents.get(directory, { content: true });
  const taken = new Set<string>(
    Array.isArray(listing.content)
      ? (listing.content as Contents.IModel[]).map(item => item.name)
      : []
  );
  const name = freeName(
    `${safeFileName(`${stem}-conversation`)}.md`,
    candidate => taken.has(candidate) || taken.has(imageFolderOf(candidate))
  );
  const imageFolder = imageFolderOf(name);
  const result = conversationToMarkdown(options.entries, {
    trans,
    notebook,
    imageFolder,
    outputsOf: options.outputsOf,
    date: options.date
  });
  if (result.images.length) {
    const folder = PathExt.join(directory, imageFolder);
    await ensureDirectory(contents, folder, trans);
    for (const image of result.images) {
      await contents.save(PathExt.join(folder, image.name), {
        type: 'file',
        format: 'base64',
        content: image.data
      });
    }
  }
  const path = PathExt.join(directory, name);
  await contents.save(path, {
    type: 'file',
    format: 'text',
    content: result.markdown
  });
  return path;
}
