import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IStepEntry } from '../model';

/** Props of `Step`. */
export interface IStepProps {
  /** The step to show. */
  step: IStepEntry;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Reveal the step's cell in its notebook. */
  onShowCell: (step: IStepEntry) => void;
}

/** How a step's cell is named: `[execution count]`, else `[position]`. */
export function cellLabel(step: IStepEntry): string | null {
  if (step.executionCount !== null && step.executionCount !== undefined) {
    return `[${step.executionCount}]`;
  }
  if (step.cellIndex !== null && step.cellIndex !== undefined) {
    return `[${step.cellIndex + 1}]`;
  }
  return null;
}

function stepText(step: IStepEntry, trans: TranslationBundle): string {
  const label = cellLabel(step);
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

/** One code run, compact; clicking it reveals the cell. */
export function Step(props: IStepProps): JSX.Element {
  const { step, trans, onShowCell } = props;
  const detail = step.status === 'error' && step.evalue ? step.evalue : null;
  return (
    <button
      type="button"
      className="jp-CodeInterp-step"
      data-status={step.status}
      title={step.code}
      aria-label={trans.__('Show the cell of step %1', step.step)}
      onClick={() => onShowCell(step)}
    >
      <span className="jp-CodeInterp-stepLabel">{stepText(step, trans)}</span>
      {detail && <span className="jp-CodeInterp-stepDetail">{detail}</span>}
    </button>
  );
}
