/**
 * Compaction of notebook outputs before they go over the wire to the model.
 * Pure functions, no DOM.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import { formatSize } from '../format';

/** Options of `compactOutputs`. */
export interface ICompactOptions {
  /** Characters of text output per step (stream + text/plain share it). */
  outputLimit: number;
  /** Largest image kept, in decoded bytes. */
  imageLimit?: number;
  /** Decoded bytes of all images of one step together. */
  totalImageLimit?: number;
  /** Most outputs kept per step (head and tail are kept). */
  maxOutputs?: number;
}

/** Default per-image cap: 1 MiB. */
export const DEFAULT_IMAGE_LIMIT = 1024 * 1024;

/** Default cap of all images of one step: 4 MiB. */
export const DEFAULT_TOTAL_IMAGE_LIMIT = 4 * 1024 * 1024;

/** Default number of outputs kept per step. */
export const DEFAULT_MAX_OUTPUTS = 40;

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif'];

// ANSI CSI/OSC escape sequences, as matched by the `ansi-regex` package.
const ANSI_PATTERN = new RegExp(
  [
    '[\\u001B\\u009B][[\\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\\d\\/#&.:=?%@~_]+)*' +
      '|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/#&.:=?%@~_]*)*)?\\u0007)',
    '(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PR-TZcf-nq-uy=><~]))'
  ].join('|'),
  'g'
);

/** Remove ANSI escape sequences (colours, cursor moves) from text. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/** Join nbformat multiline text (string or list of strings). */
export function joinText(value: nbformat.MultilineString | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return Array.isArray(value) ? value.join('') : String(value);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Elision marker put where text was cut out. */
export function elisionMarker(count: number): string {
  return `\n[… ${count} characters elided …]\n`;
}

/**
 * Keep the head and tail of `text` within `limit` characters, with an
 * elision marker in between; never splits a surrogate pair.
 */
export function truncateText(text: string, limit: number): string {
  const max = Math.max(0, Math.floor(limit));
  if (text.length <= max) {
    return text;
  }
  let headEnd = Math.ceil(max / 2);
  if (headEnd > 0 && isHighSurrogate(text.charCodeAt(headEnd - 1))) {
    headEnd -= 1;
  }
  let tailStart = text.length - (max - Math.ceil(max / 2));
  if (
    tailStart < text.length &&
    tailStart > 0 &&
    isHighSurrogate(text.charCodeAt(tailStart - 1))
  ) {
    tailStart += 1;
  }
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  return head + elisionMarker(text.length - head.length - tail.length) + tail;
}

/** Decoded size in bytes of a base64 string. */
export function base64Size(data: string): number {
  const clean = data.replace(/\s/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/** One output with its text to budget (null for errors, which keep their own). */
interface IDraft {
  output: nbformat.IOutput;
  text: string | null;
  setText: (text: string) => void;
}

function mergeStreams(outputs: nbformat.IOutput[]): nbformat.IOutput[] {
  const merged: nbformat.IOutput[] = [];
  for (const output of outputs) {
    const previous = merged[merged.length - 1];
    if (
      output.output_type === 'stream' &&
      previous?.output_type === 'stream' &&
      previous.name === output.name
    ) {
      previous.text =
        joinText(previous.text as nbformat.MultilineString) +
        joinText(output.text as nbformat.MultilineString);
    } else if (output.output_type === 'stream') {
      merged.push({
        output_type: 'stream',
        name: output.name,
        text: joinText(output.text as nbformat.MultilineString)
      });
    } else {
      merged.push(output);
    }
  }
  return merged;
}

function capCount(
  outputs: nbformat.IOutput[],
  maxOutputs: number
): nbformat.IOutput[] {
  if (outputs.length <= maxOutputs) {
    return outputs;
  }
  const head = Math.ceil(maxOutputs / 2);
  const tail = maxOutputs - head;
  const dropped = outputs.slice(head, outputs.length - tail);
  const errors = dropped.filter(o => o.output_type === 'error');
  const note: nbformat.IStream = {
    output_type: 'stream',
    name: 'stdout',
    text: `\n[… ${dropped.length - errors.length} outputs omitted …]\n`
  };
  return [
    ...outputs.slice(0, head),
    note,
    ...errors,
    ...outputs.slice(outputs.length - tail)
  ];
}

interface IImageBudget {
  remaining: number;
  limit: number;
}

function compactBundle(
  output: nbformat.IDisplayData | nbformat.IExecuteResult,
  images: IImageBudget
): IDraft {
  const data = (output.data ?? {}) as nbformat.IMimeBundle;
  const kept: nbformat.IMimeBundle = {};
  const notes: string[] = [];
  for (const mime of IMAGE_TYPES) {
    const value = data[mime];
    if (typeof value !== 'string' && !Array.isArray(value)) {
      continue;
    }
    const base64 = joinText(value as nbformat.MultilineString).replace(
      /\s/g,
      ''
    );
    const size = base64Size(base64);
    if (size > images.limit) {
      notes.push(
        `[${mime} output dropped: ${formatSize(size)} exceeds the ${formatSize(images.limit)} limit]`
      );
    } else if (size > images.remaining) {
      notes.push(`[${mime} output dropped: too many images in this step]`);
    } else {
      images.remaining -= size;
      kept[mime] = base64;
    }
  }
  let text = stripAnsi(
    joinText(data['text/plain'] as nbformat.MultilineString)
  );
  const others = Object.keys(data).filter(
    mime => mime !== 'text/plain' && !IMAGE_TYPES.includes(mime)
  );
  if (!('text/plain' in data)) {
    const html = joinText(data['text/html'] as nbformat.MultilineString);
    const markdown = joinText(
      data['text/markdown'] as nbformat.MultilineString
    );
    if (markdown) {
      text = markdown;
    } else if (html) {
      text = `[HTML output not shown (${html.length} characters)]`;
    } else if (others.length > 0 && Object.keys(kept).length === 0) {
      text = `[Output of type ${others.join(', ')} not shown]`;
    }
  }
  if (notes.length > 0) {
    text = text ? `${text}\n${notes.join('\n')}` : notes.join('\n');
  }
  const compact: nbformat.IDisplayData | nbformat.IExecuteResult =
    output.output_type === 'execute_result'
      ? {
          output_type: 'execute_result',
          execution_count: output.execution_count ?? null,
          data: kept,
          metadata: {}
        }
      : { output_type: 'display_data', data: kept, metadata: {} };
  if (text) {
    kept['text/plain'] = text;
  }
  return {
    output: compact,
    text: text || null,
    setText: value => {
      kept['text/plain'] = value;
    }
  };
}

function compactError(error: nbformat.IError, limit: number): IDraft {
  const traceback = stripAnsi((error.traceback ?? []).join('\n'));
  return {
    output: {
      output_type: 'error',
      ename: stripAnsi(String(error.ename ?? '')),
      evalue: truncateText(stripAnsi(String(error.evalue ?? '')), limit),
      traceback: traceback ? [truncateText(traceback, limit)] : []
    },
    text: null,
    setText: () => undefined
  };
}

/**
 * Compact a cell's outputs for the model: ANSI stripped, text truncated to
 * the step's budget (head + tail), HTML-only bundles reduced to a note,
 * images kept as base64 only within their caps.
 */
export function compactOutputs(
  outputs: readonly nbformat.IOutput[],
  options: ICompactOptions
): nbformat.IOutput[] {
  const limit = Math.max(1, Math.floor(options.outputLimit));
  const images: IImageBudget = {
    limit: options.imageLimit ?? DEFAULT_IMAGE_LIMIT,
    remaining: options.totalImageLimit ?? DEFAULT_TOTAL_IMAGE_LIMIT
  };
  const copies = outputs.map(o => ({ ...o }) as nbformat.IOutput);
  const capped = capCount(
    mergeStreams(copies),
    options.maxOutputs ?? DEFAULT_MAX_OUTPUTS
  );
  const drafts: IDraft[] = capped.map(output => {
    switch (output.output_type) {
      case 'stream': {
        const stream: nbformat.IStream = {
          output_type: 'stream',
          name: output.name as nbformat.StreamType,
          text: stripAnsi(joinText(output.text as nbformat.MultilineString))
        };
        return {
          output: stream,
          text: stream.text as string,
          setText: value => {
            stream.text = value;
          }
        };
      }
      case 'display_data':
      case 'execute_result':
        return compactBundle(
          output as nbformat.IDisplayData | nbformat.IExecuteResult,
          images
        );
      case 'error':
        return compactError(output as nbformat.IError, limit);
      default:
        return {
          output: {
            output_type: 'stream',
            name: 'stdout',
            text: `[Output of type ${String(output.output_type)} not shown]`
          },
          text: null,
          setText: () => undefined
        };
    }
  });
  // Texts share one budget, each getting a share proportional to its length.
  const total = drafts.reduce((sum, d) => sum + (d.text?.length ?? 0), 0);
  if (total > limit) {
    for (const draft of drafts) {
      if (draft.text) {
        const share = Math.floor((limit * draft.text.length) / total);
        draft.setText(truncateText(draft.text, share));
      }
    }
  }
  return drafts.map(d => d.output);
}
