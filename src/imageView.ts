/**
 * A step's image at full size, in a JupyterLab main-area tab. The image is
 * the cell's own output (base64 in the notebook), shown as a `data:` URL:
 * nothing is fetched from anywhere.
 */

import { MainAreaWidget } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { imageIcon } from '@jupyterlab/ui-components';
import { UUID } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { joinText } from './notebook/outputs';

/** An image as base64 data with its MIME type. */
export interface IImageData {
  mime: string;
  data: string;
}

/** The raster types shown (the ones steps carry as thumbnails). */
const IMAGE_TYPES = ['image/png', 'image/jpeg'];

/** The PNG/JPEG images of nbformat outputs, one per output, in order. */
export function imagesOf(outputs: readonly nbformat.IOutput[]): IImageData[] {
  const images: IImageData[] = [];
  for (const output of outputs) {
    const data = (output as nbformat.IDisplayData).data;
    if (!data || typeof data !== 'object') {
      continue;
    }
    const mime = IMAGE_TYPES.find(type => type in data);
    if (mime) {
      const base64 = joinText(data[mime] as nbformat.MultilineString);
      images.push({ mime, data: base64.replace(/\s/g, '') });
    }
  }
  return images;
}

/**
 * A step's image `index` at full size from its cell's outputs, else the
 * step's thumbnail (the cell or its output is gone).
 */
export function stepImage(
  cellOutputs: readonly nbformat.IOutput[] | null | undefined,
  thumbnails: readonly IImageData[] | undefined,
  index: number
): IImageData | undefined {
  return imagesOf(cellOutputs ?? [])[index] ?? thumbnails?.[index];
}

/** A main-area tab showing `image` at its natural size (scrollable). */
export function createImageView(
  image: IImageData,
  title: string
): MainAreaWidget {
  const content = new Widget();
  content.addClass('jp-CodeInterp-imageView');
  if (IMAGE_TYPES.includes(image.mime)) {
    const element = document.createElement('img');
    element.src = `data:${image.mime};base64,${image.data}`;
    element.alt = title;
    content.node.appendChild(element);
  }
  const widget = new MainAreaWidget({ content });
  widget.id = `jp-code-interp-image-${UUID.uuid4()}`;
  widget.title.label = title;
  widget.title.icon = imageIcon;
  widget.title.closable = true;
  return widget;
}
