import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IReasoningEntry } from '../conversation';

/** Props of `Reasoning`. */
export interface IReasoningProps {
  /** The reasoning shown. */
  entry: IReasoningEntry;
  /** Translation bundle. */
  trans: TranslationBundle;
}

/** The summary line: thinking now, how long it took, or cut before the answer. */
export function reasoningSummary(
  entry: IReasoningEntry,
  trans: TranslationBundle
): string {
  if (entry.open) {
    return trans.__('Thinking…');
  }
  if (entry.seconds === null) {
    return trans.__('Thinking (cut off)');
  }
  return trans.__('Thought for %1 s', entry.seconds.toFixed(1));
}

/**
 * The model's reasoning, collapsed under its summary: shown as plain text
 * (never rendered as markdown, never run), apart from the answer.
 */
export function Reasoning(props: IReasoningProps): JSX.Element {
  const { entry, trans } = props;
  return (
    <details
      className="jp-CodeInterp-reasoning"
      data-state={entry.open ? 'thinking' : 'done'}
    >
      <summary
        className="jp-CodeInterp-reasoningSummary"
        title={trans.__(
          'What the model wrote while thinking. It is not part of the answer and nothing in it runs.'
        )}
      >
        {reasoningSummary(entry, trans)}
      </summary>
      <div className="jp-CodeInterp-reasoningText">{entry.text.trim()}</div>
    </details>
  );
}
