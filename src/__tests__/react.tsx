/**
 * Shared helpers for jest tests of React components: mount in a ReactWidget, type, press
 * keys and let async work settle, each inside React's act().
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { Composer, IComposerProps } from '../components/Composer';

// Tell React this is a test environment so `act` flushes renders.
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

/** Attach `element` to the document in a ReactWidget and wait for its first render. */
export async function mount(element: JSX.Element): Promise<Widget> {
  const widget = ReactWidget.create(element);
  await act(async () => {
    Widget.attach(widget, document.body);
    widget.update();
    await new Promise(resolve => requestAnimationFrame(resolve));
  });
  return widget;
}

/** Dispose a mounted widget inside act(). */
export async function unmount(widget: Widget): Promise<void> {
  await act(async () => widget.dispose());
}

/** Set a text field's value the way React notices (its own setter), caret at the end. */
export async function typeValue(
  field: HTMLTextAreaElement | HTMLInputElement,
  value: string
): Promise<void> {
  const setter = Object.getOwnPropertyDescriptor(
    Object.getPrototypeOf(field),
    'value'
  )!.set!;
  await act(async () => {
    setter.call(field, value);
    if (field instanceof HTMLTextAreaElement) {
      field.setSelectionRange(value.length, value.length);
    }
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Dispatch a keydown (Enter unless `init.key` says otherwise). */
export async function press(
  target: HTMLElement,
  init: KeyboardEventInit = {}
): Promise<void> {
  await act(async () => {
    target.dispatchEvent(
      new KeyboardEvent('keydown', {
        key: 'Enter',
        bubbles: true,
        cancelable: true,
        ...init
      })
    );
  });
}

/** Let pending promises, timers and renders run; then wait `ms` more. */
export async function settle(ms = 0): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise(resolve => setTimeout(resolve, 0));
    }
    if (ms > 0) {
      await new Promise(resolve => setTimeout(resolve, ms));
    }
  });
}

/** Mount a Composer that records what it sends; `props` override its defaults. */
export async function mountComposer(
  trans: TranslationBundle,
  props: Partial<IComposerProps> = {}
): Promise<{ widget: Widget; sent: string[] }> {
  const sent: string[] = [];
  const widget = await mount(
    <Composer
      busy={false}
      trans={trans}
      onSend={text => {
        sent.push(text);
        return true;
      }}
      onStop={() => undefined}
      {...props}
    />
  );
  return { widget, sent };
}
