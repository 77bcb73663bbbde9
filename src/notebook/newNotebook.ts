/**
 * A notebook for an instruction sent while no notebook is open: created in
 * the file browser's folder, named from the instruction ("write a rate
 * limiter and test it" → `rate-limiter.ipynb`, "分析GDP数据" →
 * `分析-GDP-数据.ipynb`), never over an existing file, with a Python kernel.
 */

import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';

import { freeName, IUploadContents } from '../files/upload';

/** Words of a name at most. */
const MAX_WORDS = 4;
/** Characters of a name (without `.ipynb`) at most. */
const MAX_LENGTH = 40;
/** Characters of one word at most (long Chinese runs have no spaces). */
const MAX_WORD = 16;
/** The name when the instruction gives none. */
export const FALLBACK_NAME = 'analysis';

/** Where the first clause of an instruction ends. */
const CLAUSE_END =
  /[\n.,;:!?，。；：！？、]|\s(?:and|then|so|but)\s|然后|并且/i;
/** Requests and fillers that say nothing about the subject. */
const FILLERS = new Set([
  'a',
  'an',
  'the',
  'please',
  'pls',
  'me',
  'my',
  'us',
  'i',
  'you',
  'can',
  'could',
  'would',
  'want',
  'need',
  'let',
  "let's",
  'lets',
  'to',
  'of',
  'for',
  'some',
  'this',
  'that',
  'it',
  'write',
  'create',
  'make',
  'build',
  'do',
  'help',
  'show'
]);
/** Polite openings of Chinese instructions. */
const CHINESE_OPENING = /^(?:请你|请|帮我|帮忙|麻烦你|麻烦|给我|我想|我要)+/;
/** Characters file systems or URLs do not take well in a name (control characters too). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\\/:*?"<>|#%&{}$!'`@=+^~[\]\u0000-\u001f\u007f]/g;
/** Runs of Han characters, or of anything else (so that 分析GDP splits). */
const SCRIPT_RUN = /\p{Script=Han}+|[^\p{Script=Han}]+/gu;

/** The base of a notebook name (no `.ipynb`) for an instruction. */
export function notebookNameFor(instruction: string): string {
  let text = instruction.trim();
  const end = text.search(CLAUSE_END);
  if (end > 0) {
    text = text.slice(0, end);
  }
  text = text.replace(CHINESE_OPENING, '').replace(UNSAFE, ' ');
  const words: string[] = [];
  for (const chunk of text.split(/\s+/)) {
    for (const word of chunk.match(SCRIPT_RUN) ?? []) {
      const clean = word.replace(/^[-_.]+|[-_.]+$/g, '');
      // A word has a letter or a digit: punctuation alone names nothing.
      if (/[\p{L}\p{N}]/u.test(clean) && !FILLERS.has(clean.toLowerCase())) {
        words.push(clean.slice(0, MAX_WORD));
      }
    }
  }
  let name = '';
  for (const word of words.slice(0, MAX_WORDS)) {
    const next = name ? `${name}-${word}` : word;
    if (next.length > MAX_LENGTH) {
      break;
    }
    name = next;
  }
  return name || FALLBACK_NAME;
}

/** The kernel a new notebook gets. */
export interface IKernelChoice {
  name: string;
  displayName: string;
  language: string;
}

/**
 * Create an empty notebook named from `instruction` in `folder` (a taken name
 * becomes `name (1).ipynb`, …) with `kernel` in its metadata; returns its path.
 */
export async function createNotebookFile(
  contents: IUploadContents,
  folder: string,
  instruction: string,
  kernel: IKernelChoice
): Promise<string> {
  const listing = await contents.get(folder, { content: true });
  const taken = new Set(
    Array.isArray(listing.content)
      ? (listing.content as Contents.IModel[]).map(item => item.name)
      : []
  );
  const name = freeName(`${notebookNameFor(instruction)}.ipynb`, candidate =>
    taken.has(candidate)
  );
  const path = PathExt.join(folder, name);
  await contents.save(path, {
    type: 'notebook',
    format: 'json',
    content: {
      cells: [],
      metadata: {
        kernelspec: {
          name: kernel.name,
          display_name: kernel.displayName,
          language: kernel.language
        }
      },
      nbformat: 4,
      nbformat_minor: 5
    }
  });
  return path;
}
