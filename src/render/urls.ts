/**
 * What a URL found in model output may do once rendered: load (a file under
 * the server root, a data: image of a raster type), wait for a click (anything
 * on another host), or nothing at all (other schemes).
 */

/** Where the answer is shown, to tell local files from remote hosts. */
export interface IUrlContext {
  /** The page's URL: its origin is "here"; absolute paths start from it. */
  pageUrl: string;
  /** Absolute URL prefix of the server's file URLs (`…/files/`). */
  filesPrefix: string;
  /** The file URL of a path relative to the server root. */
  fileUrl: (path: string) => string;
  /** The notebook's folder, relative to the server root (relative URLs start there). */
  directory: string;
}

/** The verdict on one URL. */
export type UrlVerdict =
  /** A file under the server root or an allowed data: image: load it (`url` may be rewritten). */
  | { kind: 'local'; url: string }
  /** Another host: show a placeholder naming `host`; load `url` only on click. */
  | { kind: 'remote'; url: string; host: string }
  /** Never load (javascript:, file:, blob:, data: of another type, unparsable…). */
  | { kind: 'blocked' };

/** data: image types that render without fetching anything (SVG is excluded). */
const DATA_IMAGE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp'
]);

/** A scheme at the start of a URL (after the browser's own trimming). */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** Characters the URL parser drops anywhere in a URL (tab, LF, CR). */
const DROPPED = /[\t\n\r]/g;

/** Whether a data: URL holds an image of an allowed type. */
export function isAllowedDataImage(url: string): boolean {
  const comma = url.indexOf(',');
  if (!/^data:/i.test(url) || comma < 0) {
    return false;
  }
  const type = url.slice(5, comma).split(';')[0].trim().toLowerCase();
  return DATA_IMAGE_TYPES.has(type);
}

/** The path, relative to the server root, that a path-only URL names. */
function rootPath(value: string, directory: string): string | null {
  const folder = directory
    .split('/')
    .filter(Boolean)
    .map(encodeURIComponent)
    .join('/');
  // A made-up origin: the URL parser resolves `.` and `..` (never above the root) and
  // separates the query and fragment, which a file URL does not carry.
  const resolved = new URL(
    value,
    `http://root.invalid/${folder}${folder ? '/' : ''}`
  );
  try {
    return decodeURIComponent(resolved.pathname.replace(/^\/+/, ''));
  } catch {
    return null;
  }
}

/** Classify a URL from model output; `image` says whether it is shown as an image. */
export function classifyUrl(
  raw: string,
  context: IUrlContext,
  image = true
): UrlVerdict {
  // The browser trims spaces and control characters and drops tabs and newlines.
  // eslint-disable-next-line no-control-regex
  const value = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const compact = value.replace(DROPPED, '');
  if (!compact) {
    return { kind: 'blocked' };
  }
  if (/^data:/i.test(compact)) {
    return image && isAllowedDataImage(compact)
      ? { kind: 'local', url: value }
      : { kind: 'blocked' };
  }
  let absolute: URL;
  try {
    absolute = new URL(compact, context.pageUrl);
  } catch {
    return { kind: 'blocked' };
  }
  if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') {
    return { kind: 'blocked' };
  }
  // `plot.png`, `./out/plot.png`, `/data/plot.png`: paths under the server root
  // (relative ones from the notebook's folder), like JupyterLab's own resolver.
  const pathOnly = !SCHEME.test(compact) && !/^[\\/]{2}/.test(compact);
  if (pathOnly) {
    const path = rootPath(
      compact,
      /^[\\/]/.test(compact) ? '' : context.directory
    );
    return path === null
      ? { kind: 'blocked' }
      : { kind: 'local', url: context.fileUrl(path) };
  }
  if (absolute.href.startsWith(context.filesPrefix)) {
    return { kind: 'local', url: absolute.href };
  }
  return { kind: 'remote', url: absolute.href, host: absolute.host };
}

/** One candidate of a `srcset`: its URL and descriptor (`2x`, `300w`, or empty). */
export interface ISrcsetCandidate {
  url: string;
  descriptor: string;
}

/** The candidates of a `srcset` attribute (the HTML standard's splitting, simplified). */
export function parseSrcset(srcset: string): ISrcsetCandidate[] {
  const found: ISrcsetCandidate[] = [];
  const space = /\s/;
  let i = 0;
  while (i < srcset.length) {
    while (i < srcset.length && (space.test(srcset[i]) || srcset[i] === ',')) {
      i++;
    }
    const start = i;
    while (i < srcset.length && !space.test(srcset[i])) {
      i++;
    }
    let url = srcset.slice(start, i);
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      const from = i;
      let depth = 0;
      while (i < srcset.length && (srcset[i] !== ',' || depth > 0)) {
        depth += srcset[i] === '(' ? 1 : srcset[i] === ')' && depth ? -1 : 0;
        i++;
      }
      descriptor = srcset.slice(from, i).trim();
    }
    if (url) {
      found.push({ url, descriptor });
    }
  }
  return found;
}
