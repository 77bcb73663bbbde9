/**
 * Image outputs: pixel sizes read from the encoded bytes, text placeholders
 * for the notebook context, and downscaling (in the browser) before images
 * go to the server.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import { formatSize } from '../format';
import { base64Size, joinText } from './outputs';

/** Longest side, in pixels, of an image sent to the server. */
export const MAX_IMAGE_SIDE = 768;

/** Image types that are downscaled before they are sent. */
const SCALED_TYPES = ['image/png', 'image/jpeg'];

/** Image types replaced by a placeholder in the notebook context. */
const PLACEHOLDER_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/svg+xml'
];

/** Width and height of an image, in pixels. */
export interface IPixelSize {
  width: number;
  height: number;
}

function decodeHead(base64: string, bytes: number): Uint8Array {
  const clean = base64.replace(/\s/g, '');
  // 4 base64 characters carry 3 bytes.
  const chars = Math.min(clean.length, Math.ceil(bytes / 3) * 4);
  let binary: string;
  try {
    binary = atob(clean.slice(0, chars - (chars % 4)));
  } catch {
    return new Uint8Array(0);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

function jpegSize(bytes: Uint8Array): IPixelSize | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) {
      return null;
    }
    const marker = bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the size.
    if (
      marker >= 0xc0 &&
      marker <= 0xcf &&
      marker !== 0xc4 &&
      marker !== 0xc8 &&
      marker !== 0xcc
    ) {
      return {
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8]
      };
    }
    i += 2 + length;
  }
  return null;
}

/** Pixel size of a base64 PNG, GIF or JPEG image; null when unknown. */
export function imagePixelSize(
  mime: string,
  base64: string
): IPixelSize | null {
  if (mime === 'image/png') {
    const head = decodeHead(base64, 24);
    if (head.length < 24 || head[0] !== 0x89 || head[1] !== 0x50) {
      return null;
    }
    const view = new DataView(head.buffer);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (mime === 'image/gif') {
    const head = decodeHead(base64, 10);
    if (head.length < 10 || head[0] !== 0x47) {
      return null;
    }
    return {
      width: head[6] | (head[7] << 8),
      height: head[8] | (head[9] << 8)
    };
  }
  if (mime === 'image/jpeg') {
    // The frame header usually follows the (small) metadata segments.
    const head = decodeHead(base64, 64 * 1024);
    return head[0] === 0xff && head[1] === 0xd8 ? jpegSize(head) : null;
  }
  return null;
}

function sizeFromMetadata(metadata: unknown, mime: string): IPixelSize | null {
  const entry = (metadata as Record<string, unknown> | undefined)?.[mime] as
    { width?: unknown; height?: unknown } | undefined;
  if (typeof entry?.width === 'number' && typeof entry?.height === 'number') {
    return { width: entry.width, height: entry.height };
  }
  return null;
}

/** The text that stands for an image in the notebook context. */
export function imagePlaceholder(
  mime: string,
  data: string,
  metadata?: unknown
): string {
  const text = mime === 'image/svg+xml';
  const bytes = text ? data.length : base64Size(data);
  const size =
    sizeFromMetadata(metadata, mime) ??
    (text ? null : imagePixelSize(mime, data));
  const pixels = size ? ` ${size.width}×${size.height} px,` : '';
  return `[image: ${mime},${pixels} ${formatSize(bytes)}]`;
}

/**
 * Replace the images of display/execute outputs by text placeholders
 * (appended to `text/plain`), for the notebook context.
 */
export function withImagePlaceholders(
  outputs: readonly nbformat.IOutput[]
): nbformat.IOutput[] {
  return outputs.map(output => {
    if (
      output.output_type !== 'display_data' &&
      output.output_type !== 'execute_result'
    ) {
      return output;
    }
    const data = { ...((output.data ?? {}) as nbformat.IMimeBundle) };
    const notes: string[] = [];
    for (const mime of PLACEHOLDER_TYPES) {
      if (mime in data) {
        const value = joinText(data[mime] as nbformat.MultilineString);
        notes.push(imagePlaceholder(mime, value, output.metadata));
        delete data[mime];
      }
    }
    if (notes.length === 0) {
      return output;
    }
    const plain = joinText(data['text/plain'] as nbformat.MultilineString);
    data['text/plain'] = plain
      ? `${plain}\n${notes.join('\n')}`
      : notes.join('\n');
    return { ...output, data } as nbformat.IOutput;
  });
}

/** Whether this environment can decode and re-encode images (not jsdom). */
function canScale(): boolean {
  return (
    typeof createImageBitmap === 'function' &&
    typeof document !== 'undefined' &&
    typeof Blob !== 'undefined'
  );
}

async function scaleOne(
  mime: string,
  base64: string,
  maxSide: number
): Promise<string | null> {
  const size = imagePixelSize(mime, base64);
  if (size && Math.max(size.width, size.height) <= maxSide) {
    return null;
  }
  const bytes = decodeHead(base64, Number.MAX_SAFE_INTEGER);
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
  try {
    const long = Math.max(bitmap.width, bitmap.height);
    if (long <= maxSide) {
      return null;
    }
    const scale = maxSide / long;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext('2d');
    if (!context) {
      return null;
    }
    if (mime === 'image/jpeg') {
      // JPEG has no transparency: paint what would show through as white.
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const url = canvas.toDataURL(mime, 0.9);
    const comma = url.indexOf(',');
    return url.startsWith(`data:${mime}`) && comma > 0
      ? url.slice(comma + 1)
      : null;
  } finally {
    bitmap.close();
  }
}

/**
 * Downscale PNG and JPEG outputs to at most `maxSide` pixels on the long
 * side (the cell in the notebook keeps the original). Where images cannot
 * be decoded (jsdom) or one fails to decode, outputs are returned as they are.
 */
export async function downscaleImages(
  outputs: readonly nbformat.IOutput[],
  maxSide = MAX_IMAGE_SIDE
): Promise<nbformat.IOutput[]> {
  if (!canScale()) {
    return outputs.slice();
  }
  return Promise.all(
    outputs.map(async output => {
      if (
        output.output_type !== 'display_data' &&
        output.output_type !== 'execute_result'
      ) {
        return output;
      }
      const data = { ...((output.data ?? {}) as nbformat.IMimeBundle) };
      let changed = false;
      for (const mime of SCALED_TYPES) {
        if (!(mime in data)) {
          continue;
        }
        const base64 = joinText(data[mime] as nbformat.MultilineString);
        try {
          const scaled = await scaleOne(mime, base64, maxSide);
          if (scaled !== null) {
            data[mime] = scaled;
            changed = true;
          }
        } catch {
          // An undecodable image goes as it is; the byte caps still apply.
        }
      }
      return changed
        ? ({ ...output, data, metadata: {} } as nbformat.IOutput)
        : output;
    })
  );
}
