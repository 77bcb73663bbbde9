import { EditorState, Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { jupyterTheme } from '@jupyterlab/codemirror';
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import type { IStepEntry, IStepReview } from '../conversation';
import type { IReviewDecision } from '../notebook/review';

/** What the panel does with a step's change under review. */
export interface IReviewActions {
  /** Accept or reject the step's change. */
  decide: (step: IStepEntry, decision: IReviewDecision) => void;
  /** Accept every change that waits in the step's turn. */
  acceptAll: (step: IStepEntry) => void;
  /** Syntax highlighting for a kernel language (absent or null: plain text). */
  highlight?: (language: string) => Promise<Extension | null>;
}

/** Read-only editor settings shared by both sides of the diff. */
function readOnly(language: Extension | null): Extension[] {
  return [
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    EditorView.lineWrapping,
    jupyterTheme,
    ...(language ? [language] : [])
  ];
}

/**
 * The change, read-only: a side-by-side diff of the cell's source (left as
 * it is, right as the model would make it) or, for a deletion, the cell that
 * would be removed. Built with @codemirror/merge once the language is known.
 */
export function DiffView(props: {
  review: IStepReview;
  trans: TranslationBundle;
  highlight?: (language: string) => Promise<Extension | null>;
}): JSX.Element {
  const { review, trans, highlight } = props;
  const host = useRef<HTMLDivElement>(null);
  const [language, setLanguage] = useState<Extension | null | undefined>(
    highlight ? undefined : null
  );
  useEffect(() => {
    let live = true;
    if (highlight && review.cellType === 'code') {
      highlight(review.language)
        .catch(() => null)
        .then(found => live && setLanguage(found));
    } else {
      setLanguage(null);
    }
    return () => {
      live = false;
    };
  }, [highlight, review.language, review.cellType]);
  useEffect(() => {
    const parent = host.current;
    if (!parent || language === undefined) {
      return;
    }
    const extensions = readOnly(language);
    if (review.kind === 'delete') {
      const view = new EditorView({
        parent,
        state: EditorState.create({ doc: review.before, extensions })
      });
      return () => view.destroy();
    }
    // Loaded when a diff is first shown, not with the panel.
    let merge: { destroy(): void } | null = null;
    let live = true;
    void import('@codemirror/merge').then(({ MergeView }) => {
      if (live) {
        merge = new MergeView({
          parent,
          a: { doc: review.before, extensions },
          b: { doc: review.after, extensions },
          collapseUnchanged: { margin: 3, minSize: 6 },
          gutter: true
        });
      }
    });
    return () => {
      live = false;
      merge?.destroy();
    };
  }, [language, review.kind, review.before, review.after]);
  return (
    <div className="jp-CodeInterp-diff" data-kind={review.kind}>
      {review.kind === 'edit' && (
        <div className="jp-CodeInterp-diffHeads">
          <span>{trans.__('Now')}</span>
          <span>{trans.__('Proposed')}</span>
        </div>
      )}
      {review.kind === 'delete' && (
        <div className="jp-CodeInterp-diffHeads">
          <span>{trans.__('This cell would be deleted:')}</span>
        </div>
      )}
      <div className="jp-CodeInterp-diffEditors" ref={host} />
    </div>
  );
}

/** Accept / Reject (with an optional comment) / Accept all, for a pending change. */
function ReviewButtons(props: {
  step: IStepEntry;
  trans: TranslationBundle;
  actions: IReviewActions;
  several: boolean;
}): JSX.Element {
  const { step, trans, actions, several } = props;
  const [comment, setComment] = useState('');
  const kind = step.review?.kind;
  return (
    <div className="jp-CodeInterp-reviewButtons">
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-reviewAccept"
        title={
          kind === 'delete'
            ? trans.__('Delete the cell from the notebook')
            : trans.__('Apply the change to the cell')
        }
        onClick={() => actions.decide(step, { accepted: true })}
      >
        {trans.__('Accept')}
      </button>
      {several && (
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-reviewAcceptAll"
          title={trans.__('Accept every change that waits for review')}
          onClick={() => actions.acceptAll(step)}
        >
          {trans.__('Accept all')}
        </button>
      )}
      <input
        type="text"
        className="jp-CodeInterp-reviewComment"
        placeholder={trans.__('Why not? (optional, told to the model)')}
        aria-label={trans.__('Comment for the model with Reject')}
        value={comment}
        onChange={event => setComment(event.target.value)}
      />
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-reject jp-CodeInterp-reviewReject"
        title={trans.__('Leave the cell as it is; the model is told')}
        onClick={() => actions.decide(step, { accepted: false, comment })}
      >
        {trans.__('Reject')}
      </button>
    </div>
  );
}

/** What became of a reviewed change. */
function reviewVerdict(
  review: IStepReview,
  trans: TranslationBundle
): string | null {
  switch (review.state) {
    case 'accepted':
      return trans.__('Accepted');
    case 'rejected':
      return review.comment
        ? trans.__('Rejected: %1', review.comment)
        : trans.__('Rejected');
    case 'cancelled':
      return trans.__('Not applied: the turn ended before you decided');
    default:
      return null;
  }
}

/** A step's change under review: the diff and, while it waits, the buttons. */
export function ReviewCard(props: {
  step: IStepEntry;
  trans: TranslationBundle;
  actions?: IReviewActions;
  several: boolean;
}): JSX.Element | null {
  const { step, trans, actions } = props;
  const review = step.review;
  if (!review) {
    return null;
  }
  const verdict = reviewVerdict(review, trans);
  return (
    <div className="jp-CodeInterp-review" data-state={review.state}>
      {review.state === 'pending' && (
        <DiffView
          review={review}
          trans={trans}
          highlight={actions?.highlight}
        />
      )}
      {review.state === 'pending' && actions && (
        <ReviewButtons
          step={step}
          trans={trans}
          actions={actions}
          several={props.several}
        />
      )}
      {verdict && <div className="jp-CodeInterp-reviewVerdict">{verdict}</div>}
    </div>
  );
}
