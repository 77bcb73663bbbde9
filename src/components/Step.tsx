import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ApprovalChoice } from '../approvals';
import { IStepEntry } from '../conversation';
import { countHidden, revealHidden } from '../render/hidden';
import { ProposedCode } from './ProposedCode';
import { IReviewActions, ReviewCard } from './Review';

/** Props of `Step`. */
export interface IStepProps {
  /** The step to show. */
  step: IStepEntry;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Reveal the step's cell in its notebook. */
  onShowCell: (step: IStepEntry) => void;
  /** Answer a cell waiting for Run or Skip (absent: no buttons). */
  onApprove?: (step: IStepEntry, choice: ApprovalChoice) => void;
  /** Select the step's cell in edit mode, to change it before Run. */
  onEditCell?: (step: IStepEntry) => void;
  /** Open one of the step's images at full size (absent: a click reveals the cell). */
  onOpenImage?: (step: IStepEntry, index: number) => void;
  /** Accept or reject a change under review (absent: no buttons). */
  review?: IReviewActions;
  /** Several changes wait for review (Accept all is shown). */
  severalPending?: boolean;
}

/**
 * How a step's cell is named, as the notebook's prompt names it: `[n]` once
 * the cell has an execution count, `[*]` while it runs; null when the cell
 * has no number (not run, skipped). Never the cell's position, which the
 * notebook does not show and which disagrees with the execution count.
 */
export function cellLabel(step: IStepEntry): string | null {
  if (step.executionCount !== null && step.executionCount !== undefined) {
    return `[${step.executionCount}]`;
  }
  if (step.status === 'running' && !step.awaiting && !step.skipped) {
    return step.cellId ? '[*]' : null;
  }
  return null;
}

/** What the step entry shows as its status: skipped and waiting cells included. */
export function stepViewStatus(step: IStepEntry): string {
  if (step.review?.state === 'pending') {
    return 'review';
  }
  if (step.rejected || step.review?.state === 'rejected') {
    return 'rejected';
  }
  if (step.awaiting) {
    return 'awaiting';
  }
  return step.skipped ? 'skipped' : step.status;
}

/** What a step acting on existing cells says (edit, run, read, Markdown, delete); else null. */
export function actionText(
  step: IStepEntry,
  trans: TranslationBundle
): string | null {
  const action = step.action;
  if (!action || action === 'run_code') {
    return null;
  }
  // The cell's number as its prompt shows it (not `[*]`: it may not run).
  const label =
    step.executionCount !== null && step.executionCount !== undefined
      ? `[${step.executionCount}]`
      : null;
  const cell = label ? trans.__('cell %1', label) : trans.__('the cell');
  const deletion = action === 'delete';
  if (step.review?.state === 'pending') {
    return deletion
      ? trans.__('Proposed deletion of %1: review it', cell)
      : trans.__('Proposed change to %1: review it', cell);
  }
  if (step.rejected || step.review?.state === 'rejected') {
    return deletion
      ? trans.__('✗ Deletion of %1 rejected', cell)
      : trans.__('✗ Change to %1 rejected', cell);
  }
  const count = step.cellIds?.length ?? 1;
  if (step.status === 'running') {
    switch (action) {
      case 'edit':
        return trans.__('Editing %1…', cell);
      case 'run':
        return trans._n('Running %1 cell…', 'Running %1 cells…', count, count);
      case 'read':
        return trans.__('Reading the output of %1…', cell);
      case 'markdown':
        return trans.__('Adding a Markdown cell…');
      default:
        return trans.__('Deleting %1…', cell);
    }
  }
  if (step.status !== 'ok') {
    return null; // errors and aborts read like any step's
  }
  switch (action) {
    case 'edit':
      return trans.__('✓ Edited %1', cell);
    case 'run':
      return trans._n('✓ Ran %1 cell', '✓ Ran %1 cells', count, count);
    case 'read':
      return trans.__('✓ Read the output of %1', cell);
    case 'markdown':
      return trans.__('✓ Added a Markdown cell');
    default:
      return trans.__('✓ Deleted %1', cell);
  }
}

/** What a step entry says: its cell and status. */
export function stepText(step: IStepEntry, trans: TranslationBundle): string {
  const acted = actionText(step, trans);
  if (acted !== null) {
    return acted;
  }
  const label = cellLabel(step);
  if (step.awaiting) {
    return label
      ? trans.__('Cell %1 waits for Run or Skip', label)
      : trans.__('The cell waits for Run or Skip');
  }
  if (step.skipped) {
    return label ? trans.__('↷ Cell %1 skipped', label) : trans.__('↷ skipped');
  }
  switch (step.status) {
    case 'running':
      return label
        ? trans.__('Running cell %1…', label)
        : trans.__('Running code…');
    case 'ok':
      return label ? trans.__('✓ Cell %1 done', label) : trans.__('✓ done');
    case 'error': {
      const name = step.ename || trans.__('error');
      return label ? trans.__('✗ Cell %1: %2', label, name) : `✗ ${name}`;
    }
    default:
      return label
        ? trans.__('⊘ Cell %1 aborted', label)
        : trans.__('⊘ The code did not run');
  }
}

/** Small labels above a step: fix attempt, re-run of a cell, replaced code. */
function StepTags(props: {
  step: IStepEntry;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { step, trans } = props;
  const tags: string[] = [];
  if (step.attempt) {
    tags.push(
      trans.__('Fix attempt %1/%2', step.attempt.number, step.attempt.of)
    );
  }
  if (step.replaces) {
    tags.push(trans.__('re-runs the same cell with new code'));
  }
  if (step.superseded) {
    tags.push(trans.__('code replaced by a later step'));
  }
  if (countHidden(step.code)) {
    tags.push(trans.__('hidden characters in the code'));
  }
  if (!tags.length) {
    return null;
  }
  return <span className="jp-CodeInterp-stepTags">{tags.join(' · ')}</span>;
}

/** Run / Edit in notebook / Skip for a cell waiting for the user. */
function ApprovalButtons(props: {
  step: IStepEntry;
  trans: TranslationBundle;
  onApprove: (step: IStepEntry, choice: ApprovalChoice) => void;
  onEditCell?: (step: IStepEntry) => void;
}): JSX.Element {
  const { step, trans, onApprove, onEditCell } = props;
  return (
    <div className="jp-CodeInterp-approval">
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-approveRun"
        title={trans.__('Run this cell in the notebook’s kernel')}
        onClick={() => onApprove(step, 'run')}
      >
        {trans.__('Run')}
      </button>
      {onEditCell && (
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-approveEdit"
          title={trans.__(
            'Select the cell in the notebook to change its code, then press Run here'
          )}
          onClick={() => onEditCell(step)}
        >
          {trans.__('Edit in notebook')}
        </button>
      )}
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-mod-minimal jp-CodeInterp-approveSkip"
        title={trans.__('Do not run this cell; the model is told')}
        onClick={() => onApprove(step, 'skip')}
      >
        {trans.__('Skip')}
      </button>
    </div>
  );
}

/** The name of a step's image, after its cell. */
export function imageTitle(
  step: IStepEntry,
  index: number,
  trans: TranslationBundle
): string {
  const label = cellLabel(step);
  return label
    ? trans.__('Image %1 of cell %2', index + 1, label)
    : trans.__('Image %1 of the cell', index + 1);
}

/** Thumbnails of a step's images; a click opens the image (else reveals the cell). */
function StepImages(props: {
  step: IStepEntry;
  trans: TranslationBundle;
  onShowCell: (step: IStepEntry) => void;
  onOpenImage?: (step: IStepEntry, index: number) => void;
}): JSX.Element | null {
  const { step, trans, onShowCell, onOpenImage } = props;
  if (!step.images?.length) {
    return null;
  }
  return (
    <div className="jp-CodeInterp-stepImages">
      {step.images.map((image, index) => (
        <button
          key={index}
          type="button"
          className="jp-CodeInterp-stepImage"
          title={
            onOpenImage
              ? trans.__('Open this image at full size')
              : trans.__('Show the cell of this image')
          }
          onClick={() =>
            onOpenImage ? onOpenImage(step, index) : onShowCell(step)
          }
        >
          <img
            src={`data:${image.mime};base64,${image.data}`}
            alt={imageTitle(step, index, trans)}
          />
        </button>
      ))}
    </div>
  );
}

/** One code run, compact; clicking it reveals the cell. */
export function Step(props: IStepProps): JSX.Element {
  const { step, trans, onShowCell, onApprove } = props;
  const label = cellLabel(step);
  const detail =
    step.status === 'error' && step.evalue && !step.skipped
      ? step.evalue
      : null;
  return (
    <div className="jp-CodeInterp-step" data-status={stepViewStatus(step)}>
      <button
        type="button"
        className="jp-CodeInterp-stepMain"
        title={revealHidden(step.code)}
        aria-label={
          label
            ? trans.__('Show cell %1 in the notebook', label)
            : trans.__('Show the cell in the notebook')
        }
        onClick={() => onShowCell(step)}
      >
        <StepTags step={step} trans={trans} />
        <span className="jp-CodeInterp-stepLabel">{stepText(step, trans)}</span>
        {detail && <span className="jp-CodeInterp-stepDetail">{detail}</span>}
      </button>
      {step.awaiting && onApprove && (
        <ProposedCode code={step.code} trans={trans} />
      )}
      {step.awaiting && onApprove && (
        <ApprovalButtons
          step={step}
          trans={trans}
          onApprove={onApprove}
          onEditCell={props.onEditCell}
        />
      )}
      <ReviewCard
        step={step}
        trans={trans}
        actions={props.review}
        several={props.severalPending === true}
      />
      <StepImages
        step={step}
        trans={trans}
        onShowCell={onShowCell}
        onOpenImage={props.onOpenImage}
      />
    </div>
  );
}
