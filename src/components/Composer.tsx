import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import { IMentionSource, useMentions } from './files/Mentions';

/** Props of `Composer`. */
export interface IComposerProps {
  /** Whether a turn runs (Send is disabled, Stop is shown). */
  busy: boolean;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Send an instruction; returns whether it was accepted. */
  onSend: (text: string) => boolean;
  /** Stop the running turn. */
  onStop: () => void;
  /** Shown above the text area (attachment chips and the attach button). */
  accessory?: React.ReactNode;
  /** Files pasted into the text area. */
  onPasteFiles?: (files: File[]) => void;
  /** `@` completion of file paths. */
  mentions?: IMentionSource;
  /** Focus the text area whenever this number changes. */
  focusRequest?: number;
  /** Why sending must wait (e.g. uploads still running), or null. */
  waitingFor?: string | null;
  /** Controls at the start of the action row (the auto-run toggle). */
  options?: React.ReactNode;
  /** Whether the running turn can be stopped from here (default true). */
  canStop?: boolean;
}

/** The instruction box: Enter sends, Shift+Enter adds a line. */
export function Composer(props: IComposerProps): JSX.Element {
  const { busy, trans, onSend, onStop, waitingFor } = props;
  const [text, setText] = useState('');
  // Some IMEs send Enter's keydown without isComposing: track composition too.
  const composing = useRef(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const mentions = useMentions({
    text,
    setText,
    area,
    source: props.mentions,
    trans
  });
  const canSend = !busy && !waitingFor && text.trim().length > 0;

  useEffect(() => {
    if (props.focusRequest) {
      area.current?.focus();
    }
  }, [props.focusRequest]);

  const onPaste = (event: React.ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length && props.onPasteFiles) {
      event.preventDefault();
      props.onPasteFiles(files);
    }
  };

  const send = () => {
    if (canSend && onSend(text)) {
      setText('');
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (mentions.onKeyDown(event)) {
      event.preventDefault();
      return;
    }
    // Enter while an IME composes (e.g. Chinese pinyin) picks a candidate.
    if (
      event.key !== 'Enter' ||
      event.shiftKey ||
      event.nativeEvent.isComposing ||
      composing.current ||
      event.keyCode === 229
    ) {
      return;
    }
    event.preventDefault();
    send();
  };

  return (
    <div className="jp-CodeInterp-composer">
      {props.accessory}
      {mentions.popup}
      <textarea
        ref={area}
        className="jp-CodeInterp-input"
        rows={3}
        value={text}
        placeholder={trans.__(
          'Ask for an analysis, a plot, a fix… (Enter to send, Shift+Enter for a new line)'
        )}
        aria-label={trans.__('Instruction')}
        onChange={event => {
          setText(event.target.value);
          mentions.update();
        }}
        onSelect={mentions.update}
        onPaste={onPaste}
        onKeyDown={onKeyDown}
        onCompositionStart={() => {
          composing.current = true;
        }}
        onCompositionEnd={() => {
          composing.current = false;
        }}
      />
      <div className="jp-CodeInterp-actions">
        {props.options}
        {busy && props.canStop !== false && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-warn jp-CodeInterp-stop"
            onClick={onStop}
          >
            {trans.__('Stop')}
          </button>
        )}
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-send"
          disabled={!canSend}
          title={waitingFor ?? undefined}
          onClick={send}
        >
          {trans.__('Send')}
        </button>
      </div>
    </div>
  );
}
