/**
 * Model output made inert before it becomes live DOM: nothing in it fetches a
 * remote resource by itself. Runs on the sanitizer's output inside a
 * `<template>` (whose content document loads nothing); remote images, videos
 * and sounds become placeholders naming their host, loaded on click.
 */

import type { TranslationBundle } from '@jupyterlab/translation';

import { classifyUrl, IUrlContext, parseSrcset, UrlVerdict } from './urls';

/** How a remote resource is shown once the user loads it. */
export type RemoteKind = 'image' | 'video' | 'audio';

/** What the transformation needs besides the HTML. */
export interface IInertContext extends IUrlContext {
  /** Labels of the placeholders. */
  trans: TranslationBundle;
}

/** Class of a placeholder; its attributes below are set only by `makeInert`. */
export const PLACEHOLDER_CLASS = 'jp-CodeInterp-remote';
/** Class of a placeholder's Load button. */
export const LOAD_CLASS = 'jp-CodeInterp-remoteLoad';
/** Prefix of the placeholder's own attributes (removed from model output first). */
const OWN_PREFIX = 'data-code-interp-';
const URL_ATTRIBUTE = `${OWN_PREFIX}url`;
const KIND_ATTRIBUTE = `${OWN_PREFIX}kind`;
const ALT_ATTRIBUTE = `${OWN_PREFIX}alt`;

/** Elements that only ever load or navigate: removed with their content. */
const DROPPED = [
  'script',
  'style',
  'link',
  'meta',
  'base',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'portal',
  'param',
  'noscript',
  'template',
  // SVG animation can set an href after the fact.
  'animate',
  'set',
  'animateMotion',
  'animateTransform'
].join(',');

/** Attributes through which an element (other than a link) fetches a URL. */
const URL_ATTRIBUTES = [
  'src',
  'srcset',
  'poster',
  'data',
  'href',
  'xlink:href',
  'lowsrc',
  'dynsrc',
  'codebase',
  'archive',
  'manifest',
  'icon',
  'imagesrcset'
];

/** Attributes always removed: click-time requests and JupyterLab command links. */
const REMOVED_ATTRIBUTES = [
  'ping',
  'formaction',
  'action',
  'background',
  'srcdoc',
  'data-commandlinker-command',
  'data-commandlinker-args'
];

/** CSS that can fetch: url(), image-set(), image(), cross-fade(), element(), src(), @import. */
const CSS_FETCH =
  /(url|image|image-set|cross-fade|element|src)\s*\(|@import|\\/i;

/** The verdicts of every URL an element itself names in `src`/`srcset`/`poster`. */
function mediaUrls(element: Element, context: IUrlContext): UrlVerdict[] {
  const verdicts: UrlVerdict[] = [];
  for (const name of ['src', 'poster']) {
    const value = element.getAttribute(name);
    if (value !== null) {
      verdicts.push(classifyUrl(value, context));
    }
  }
  const srcset = element.getAttribute('srcset');
  if (srcset !== null) {
    for (const candidate of parseSrcset(srcset)) {
      verdicts.push(classifyUrl(candidate.url, context));
    }
  }
  return verdicts;
}

/** The label of a placeholder for a resource of `kind` on `host`. */
function placeholderLabel(
  kind: RemoteKind,
  host: string,
  trans: TranslationBundle
): string {
  switch (kind) {
    case 'video':
      return trans.__('Video from %1', host);
    case 'audio':
      return trans.__('Audio from %1', host);
    default:
      return trans.__('Image from %1', host);
  }
}

/** Replace `element` by a placeholder for `remote`, loaded only on click. */
function replaceByPlaceholder(
  element: Element,
  kind: RemoteKind,
  remote: { url: string; host: string },
  context: IInertContext
): void {
  const { trans } = context;
  const doc = element.ownerDocument;
  const holder = doc.createElement('span');
  holder.className = PLACEHOLDER_CLASS;
  holder.setAttribute(URL_ATTRIBUTE, remote.url);
  holder.setAttribute(KIND_ATTRIBUTE, kind);
  const alt = element.getAttribute('alt');
  if (alt) {
    holder.setAttribute(ALT_ATTRIBUTE, alt);
  }
  const label = doc.createElement('span');
  label.className = 'jp-CodeInterp-remoteLabel';
  label.textContent = alt
    ? `${alt} · ${placeholderLabel(kind, remote.host, trans)}`
    : placeholderLabel(kind, remote.host, trans);
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = `jp-Button jp-mod-styled jp-mod-minimal ${LOAD_CLASS}`;
  button.title = trans.__(
    'Load %1. Its server learns that this answer was shown.',
    remote.url
  );
  button.textContent = trans.__('Load');
  holder.append(label, ' ', button);
  element.replaceWith(holder);
}

/** Keep a URL attribute when it is local (rewritten to its file URL), else remove it. */
function keepLocal(element: Element, name: string, context: IUrlContext): void {
  const value = element.getAttribute(name);
  if (value === null) {
    return;
  }
  const verdict = classifyUrl(value, context);
  if (verdict.kind === 'local') {
    element.setAttribute(name, verdict.url);
  } else {
    element.removeAttribute(name);
  }
}

/** Keep local and data: URLs (rewritten to file URLs), drop the others from `srcset`. */
function rewriteSrcset(element: Element, context: IUrlContext): void {
  const srcset = element.getAttribute('srcset');
  if (srcset === null) {
    return;
  }
  const kept: string[] = [];
  for (const candidate of parseSrcset(srcset)) {
    const verdict = classifyUrl(candidate.url, context);
    if (verdict.kind === 'local') {
      kept.push(`${verdict.url} ${candidate.descriptor}`.trim());
    }
  }
  if (kept.length) {
    element.setAttribute('srcset', kept.join(', '));
  } else {
    element.removeAttribute('srcset');
  }
}

/**
 * Images, pictures, videos, sounds: a placeholder if any URL is remote, else
 * local URLs only. Returns the elements whose URLs it settled.
 */
function handleMedia(
  root: DocumentFragment,
  context: IInertContext
): Set<Element> {
  const settled = new Set<Element>();
  const groups = Array.from(
    root.querySelectorAll('picture, video, audio, img, input[type="image" i]')
  );
  for (const group of groups) {
    if (!root.contains(group)) {
      continue; // Inside a group already replaced.
    }
    const members = [group, ...Array.from(group.querySelectorAll('*'))];
    const verdicts: UrlVerdict[] = [];
    for (const member of members) {
      verdicts.push(...mediaUrls(member, context));
    }
    const remote = verdicts.find(verdict => verdict.kind === 'remote');
    if (remote && remote.kind === 'remote') {
      const tag = group.localName;
      const kind: RemoteKind =
        tag === 'video' ? 'video' : tag === 'audio' ? 'audio' : 'image';
      const alt =
        group.getAttribute('alt') ??
        group.querySelector('img')?.getAttribute('alt');
      if (alt && !group.hasAttribute('alt')) {
        group.setAttribute('alt', alt);
      }
      replaceByPlaceholder(group, kind, remote, context);
      continue;
    }
    for (const member of members) {
      settled.add(member);
      keepLocal(member, 'src', context);
      keepLocal(member, 'poster', context);
      rewriteSrcset(member, context);
    }
  }
  return settled;
}

/** Attributes `handleMedia` settles on the elements it handles. */
const MEDIA_ATTRIBUTES = ['src', 'srcset', 'poster'];

/** Any other URL an element would fetch: kept only when local. */
function handleOtherUrls(
  element: Element,
  context: IUrlContext,
  settled: boolean
): void {
  const link = element.localName === 'a' || element.localName === 'area';
  for (const name of URL_ATTRIBUTES) {
    if (
      !(link && name === 'href') &&
      !(settled && MEDIA_ATTRIBUTES.includes(name))
    ) {
      keepLocal(element, name, context);
    }
  }
}

/** Remove the declarations of an inline style that could fetch (all of it if unsure). */
function handleStyle(element: Element): void {
  if (!element.hasAttribute('style')) {
    return;
  }
  const style = (element as HTMLElement).style;
  if (style) {
    const names = Array.from({ length: style.length }, (_, i) => style.item(i));
    for (const name of names) {
      if (CSS_FETCH.test(style.getPropertyValue(name))) {
        style.removeProperty(name);
      }
    }
  }
  if (!style || CSS_FETCH.test(element.getAttribute('style') ?? '')) {
    element.removeAttribute('style');
  }
}

/** Forms become plain blocks and their controls are disabled: nothing submits. */
function handleForms(root: DocumentFragment): void {
  for (const form of Array.from(root.querySelectorAll('form'))) {
    const block = form.ownerDocument.createElement('div');
    block.className = 'jp-CodeInterp-inertForm';
    block.append(...Array.from(form.childNodes));
    form.replaceWith(block);
  }
  for (const control of Array.from(
    root.querySelectorAll('button, input, select, textarea')
  )) {
    if (control.localName === 'button') {
      control.setAttribute('type', 'button');
    }
    control.setAttribute('disabled', '');
  }
}

/** Make `root` inert in place: see the module's description. */
export function makeInert(
  root: DocumentFragment,
  context: IInertContext
): void {
  for (const element of Array.from(root.querySelectorAll(DROPPED))) {
    element.remove();
  }
  for (const element of Array.from(root.querySelectorAll('*'))) {
    for (const name of element.getAttributeNames()) {
      const lower = name.toLowerCase();
      if (
        lower.startsWith(OWN_PREFIX) ||
        (lower.startsWith('on') && lower !== 'open') ||
        REMOVED_ATTRIBUTES.includes(lower)
      ) {
        element.removeAttribute(name);
      }
    }
    handleStyle(element);
  }
  handleForms(root);
  const settled = handleMedia(root, context);
  for (const element of Array.from(root.querySelectorAll('*'))) {
    // Placeholders are the only elements with this attribute (model output's were removed).
    if (!element.closest(`[${URL_ATTRIBUTE}]`)) {
      handleOtherUrls(element, context, settled.has(element));
    }
  }
}

/** Sanitized HTML made inert (parsed in a template, so nothing loads meanwhile). */
export function inertHtml(html: string, context: IInertContext): string {
  const template = document.createElement('template');
  template.innerHTML = html;
  makeInert(template.content, context);
  return template.innerHTML;
}

/** The element a Load click puts in place of a placeholder. */
function loadedElement(holder: Element): Element | null {
  const url = holder.getAttribute(URL_ATTRIBUTE);
  if (!url || !/^https?:/i.test(url)) {
    return null;
  }
  const kind = holder.getAttribute(KIND_ATTRIBUTE);
  const doc = holder.ownerDocument;
  if (kind === 'video' || kind === 'audio') {
    const media = doc.createElement(kind);
    media.controls = true;
    media.src = url;
    return media;
  }
  const image = doc.createElement('img');
  image.alt = holder.getAttribute(ALT_ATTRIBUTE) ?? '';
  image.src = url;
  return image;
}

/**
 * Make placeholders in `host` load on click and keep anything from submitting;
 * returns the function that stops listening.
 */
export function armPlaceholders(host: HTMLElement): () => void {
  const onClick = (event: MouseEvent) => {
    const target = event.target as Element | null;
    const button = target?.closest?.(`button.${LOAD_CLASS}`);
    const holder = button?.closest(`[${URL_ATTRIBUTE}]`);
    if (!button || !holder || !host.contains(holder)) {
      return;
    }
    const element = loadedElement(holder);
    if (element) {
      event.preventDefault();
      holder.replaceWith(element);
    }
  };
  const onSubmit = (event: Event) => event.preventDefault();
  host.addEventListener('click', onClick);
  host.addEventListener('submit', onSubmit, true);
  return () => {
    host.removeEventListener('click', onClick);
    host.removeEventListener('submit', onSubmit, true);
  };
}
