import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

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
}

/** The instruction box: Enter sends, Shift+Enter adds a line. */
export function Composer(props: IComposerProps): JSX.Element {
  const { busy, trans, onSend, onStop } = props;
  const [text, setText] = useState('');
  const canSend = !busy && text.trim().length > 0;

  const send = () => {
    if (canSend && onSend(text)) {
      setText('');
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME composes (e.g. Chinese pinyin) picks a candidate.
    if (
      event.key !== 'Enter' ||
      event.shiftKey ||
      event.nativeEvent.isComposing ||
      event.keyCode === 229
    ) {
      return;
    }
    event.preventDefault();
    send();
  };

  return (
    <div className="jp-CodeInterp-composer">
      <textarea
        className="jp-CodeInterp-input"
        rows={3}
        value={text}
        placeholder={trans.__(
          'Ask for an analysis, a plot, a fix… (Enter to send, Shift+Enter for a new line)'
        )}
        aria-label={trans.__('Instruction')}
        onChange={event => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="jp-CodeInterp-actions">
        {busy && (
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
          onClick={send}
        >
          {trans.__('Send')}
        </button>
      </div>
    </div>
  );
}
