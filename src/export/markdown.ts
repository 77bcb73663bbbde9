/**
 * A conversation as a Markdown document: each instruction, the model's
 * answers, the code of every step with its outputs as text, and the images
 * as separate files linked from the document. Pure functions, no DOM.
 */

import { PathExt } from '@jupyterlab/coreutils';
import type * as nbformat from '@jupyterlab/nbformat';
import type { TranslationBundle } from '@jupyterlab/translation';

import { noticeText } from '../components/Messages';
import { cellLabel, stepText } from '../components/Step';
import type { ConversationEntry, IStepEntry } from '../conversation';
import type { IImageData } from '../imageView';
import { imagesOf } from '../imageView';
import { joinText, stripAnsi, truncateText } from '../notebook/outputs';
import { formatTokens } from '../providers/usage';

/** Characters of one cell's text output kept in the export (head and tail). */
export const EXPORT_OUTPUT_LIMIT = 20000;

/** An image file the export links to. */
export interface IExportImage extends IImageData {
  /** File name inside the export's image folder. */
  name: string;
}

/** A conversation turned into Markdown, and the image files it links to. */
export interface IMarkdownExport {
  markdown: string;
  images: IExportImage[];
}

/** Options of `conversationToMarkdown`. */
export interface IMarkdownOptions {
  /** Translation bundle (headings and notes are in the panel's language). */
  trans: TranslationBundle;
  /** The notebook's path (relative to the server root). */
  notebook: string;
  /** Folder of the images, relative to the Markdown file. */
  imageFolder: string;
  /** The outputs of a step's cell, or null when the cell is gone. */
  outputsOf: (step: IStepEntry) => readonly nbformat.IOutput[] | null;
  /** When the export was made (shown in its first lines). */
  date?: Date;
}

/** A code fence longer than any run of backticks in `text`. */
export function fenced(text: string, language = ''): string {
  const longest = Math.max(
    0,
    ...(text.match(/`+/g) ?? []).map(run => run.length)
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

/** `text` as a Markdown block quote (every line, empty ones included). */
export function quoted(text: string): string {
  return text
    .split('\n')
    .map(line => (line ? `> ${line}` : '>'))
    .join('\n');
}

/**
 * A file name that is safe on every system and in a URL: no path separators,
 * no characters Windows refuses, no `#`/`%`, no leading dot; letters of any
 * script stay.
 */
export function safeFileName(name: string, fallback = 'conversation'): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|#%]+/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s-]+|[.\s]+$/g, '')
    .slice(0, 100)
    .trim();
  return cleaned || fallback;
}

/** A Markdown link destination for a relative path (spaces and brackets allowed). */
function destination(path: string): string {
  return `<${path.replace(/[<>]/g, encodeURIComponent)}>`;
}

/** The outputs of a cell as plain text: streams, text/plain, errors without colours. */
export function outputsAsText(outputs: readonly nbformat.IOutput[]): string {
  const parts: string[] = [];
  for (const output of outputs) {
    switch (output.output_type) {
      case 'stream':
        parts.push(joinText(output.text as nbformat.MultilineString));
        break;
      case 'error': {
        const error = output as nbformat.IError;
        const traceback = (error.traceback ?? []).join('\n');
        parts.push(
          stripAnsi(traceback || `${error.ename}: ${error.evalue}`) + '\n'
        );
        break;
      }
      case 'execute_result':
      case 'display_data': {
        const data = (output as nbformat.IDisplayData).data ?? {};
        // A figure's text/plain (`<Figure size …>`) says nothing its image does not.
        if ('image/png' in data || 'image/jpeg' in data) {
          break;
        }
        const text = joinText(data['text/plain'] as nbformat.MultilineString);
        if (text) {
          parts.push(stripAnsi(text) + '\n');
        }
        break;
      }
      default:
        break;
    }
  }
  return stripAnsi(parts.join(''));
}

/** Builds the document step by step (keeps image names unique). */
class Writer {
  constructor(private _options: IMarkdownOptions) {}

  readonly lines: string[] = [];
  readonly images: IExportImage[] = [];

  /** Add a block (separated from the previous one by an empty line). */
  block(text: string): void {
    this.lines.push(text, '');
  }

  /** The step: its status, its code, its outputs and its images. */
  step(step: IStepEntry): void {
    const { trans } = this._options;
    this.block(`### ${stepText(step, trans)}`);
    if (step.attempt) {
      this.block(
        `_${trans.__('Fix attempt %1/%2', step.attempt.number, step.attempt.of)}_`
      );
    }
    if (step.code) {
      this.block(fenced(step.code, 'python'));
    }
    if (step.superseded) {
      this.block(`_${trans.__('code replaced by a later step')}_`);
      return;
    }
    if (step.skipped || step.awaiting) {
      return;
    }
    const outputs = this._options.outputsOf(step);
    if (outputs === null) {
      if (step.status === 'error' && step.ename) {
        this.block(fenced(`${step.ename}: ${step.evalue ?? ''}`, 'text'));
      }
      this.block(
        `_${trans.__('The output is not in the export: the cell is no longer in the notebook.')}_`
      );
    } else {
      const text = outputsAsText(outputs);
      if (text.trim()) {
        this.block(
          `${trans.__('Output:')}\n\n${fenced(
            truncateText(text, EXPORT_OUTPUT_LIMIT),
            'text'
          )}`
        );
      }
    }
    const images =
      outputs !== null && imagesOf(outputs).length
        ? imagesOf(outputs)
        : (step.images ?? []);
    images.forEach((image, index) => this._image(step, image, index));
  }

  private _image(step: IStepEntry, image: IImageData, index: number): void {
    const { trans, imageFolder } = this._options;
    const label = cellLabel(step)?.replace(/[[\]*]/g, '');
    const stem = label ? `cell-${label}` : `step-${step.step}`;
    const extension = image.mime === 'image/jpeg' ? '.jpg' : '.png';
    let name = `${stem}-${index + 1}${extension}`;
    for (let copy = 2; this.images.some(item => item.name === name); copy++) {
      name = `${stem}-${index + 1}-${copy}${extension}`;
    }
    this.images.push({ ...image, name });
    const alt = label
      ? trans.__('Image %1 of cell %2', index + 1, `[${label}]`)
      : trans.__('Image %1 of the cell', index + 1);
    this.block(`![${alt}](${destination(`${imageFolder}/${name}`)})`);
  }
}

/** The conversation's entries as a Markdown document and its images. */
export function conversationToMarkdown(
  entries: readonly ConversationEntry[],
  options: IMarkdownOptions
): IMarkdownExport {
  const { trans, notebook } = options;
  const directory = PathExt.dirname(notebook);
  const relative = (path: string) => PathExt.relative(directory, path);
  const writer = new Writer(options);
  const name = PathExt.basename(notebook);
  writer.block(`# ${trans.__('Code Interpreter conversation: %1', name)}`);
  const date = (options.date ?? new Date()).toISOString().slice(0, 16);
  writer.block(
    `_${trans.__('Notebook %1, exported %2 (UTC).', `\`${name}\``, date.replace('T', ' '))}_`
  );
  let turn = 0;
  for (const entry of entries) {
    switch (entry.kind) {
      case 'user':
        turn += 1;
        writer.block(`## ${trans.__('Instruction %1', turn)}`);
        writer.block(quoted(entry.text));
        if (entry.attachments?.length) {
          const files = entry.attachments.map(
            file => `[${file.name}](${destination(relative(file.path))})`
          );
          writer.block(`${trans.__('Attached:')} ${files.join(', ')}`);
        }
        break;
      case 'assistant':
        writer.block(entry.text.trim());
        break;
      case 'step':
        writer.step(entry);
        break;
      case 'files': {
        const files = entry.files.map(
          file => `[${file.name}](${destination(relative(file.path))})`
        );
        if (files.length) {
          writer.block(`${trans.__('Files:')} ${files.join(', ')}`);
        }
        break;
      }
      case 'notice': {
        const usage = entry.usage
          ? ` · ${entry.usage.model} · ${trans.__(
              '%1 in · %2 out',
              formatTokens(entry.usage.promptTokens),
              formatTokens(entry.usage.completionTokens)
            )}`
          : '';
        const line = `${noticeText(entry, trans).trim()}${usage}`.trim();
        if (line) {
          writer.block(line);
        }
        writer.block('---');
        break;
      }
      case 'plan':
        writer.block(
          entry.items
            .map(item => `- [${item.done ? 'x' : ' '}] ${item.text}`)
            .join('\n')
        );
        break;
      case 'question':
        writer.block(quoted(entry.question));
        if (entry.choices.length) {
          writer.block(entry.choices.map(choice => `- ${choice}`).join('\n'));
        }
        break;
      case 'rules':
      case 'reasoning':
        // The model's thinking is not part of its answer: the export leaves it out.
        break;
      default:
        writer.block(`**${trans.__('Error: %1', entry.message)}**`);
        break;
    }
  }
  return { markdown: writer.lines.join('\n'), images: writer.images };
}
