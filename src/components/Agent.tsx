import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IPlanEntry, IQuestionEntry, IRulesEntry } from '../agentEntries';
import type { ICellChip } from '../cellChips';
import type { IAttachedCellRef } from '../protocol';

/** The model's checklist: ticked items are checked and struck through. */
export function PlanView(props: {
  entry: IPlanEntry;
  trans: TranslationBundle;
}): JSX.Element {
  const { entry, trans } = props;
  const done = entry.items.filter(item => item.done).length;
  return (
    <div className="jp-CodeInterp-plan" data-turn={entry.turnId}>
      <div className="jp-CodeInterp-planTitle">
        {trans.__('Plan (%1 of %2 done)', done, entry.items.length)}
      </div>
      <ul className="jp-CodeInterp-planItems">
        {entry.items.map((item, index) => (
          <li
            key={index}
            className="jp-CodeInterp-planItem"
            data-done={item.done ? 'true' : 'false'}
          >
            <input
              type="checkbox"
              checked={item.done}
              readOnly
              disabled
              aria-label={item.done ? trans.__('Done') : trans.__('To do')}
            />
            <span className="jp-CodeInterp-planText">{item.text}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Props of `QuestionView`. */
export interface IQuestionViewProps {
  /** The question and its choices. */
  entry: IQuestionEntry;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Whether the choices are buttons (the newest turn's question). */
  answerable: boolean;
  /** Whether a turn runs (the buttons wait). */
  busy: boolean;
  /** Send a choice as the next instruction. */
  onAnswer?: (answer: string) => void;
}

/** A question of the model; on the newest turn its choices send the answer. */
export function QuestionView(props: IQuestionViewProps): JSX.Element {
  const { entry, trans, answerable, busy, onAnswer } = props;
  const buttons = answerable && onAnswer !== undefined;
  return (
    <div className="jp-CodeInterp-question" data-turn={entry.turnId}>
      <div className="jp-CodeInterp-questionText">{entry.question}</div>
      {entry.choices.length > 0 && (
        <div className="jp-CodeInterp-choices">
          {entry.choices.map(choice =>
            buttons ? (
              <button
                key={choice}
                type="button"
                className="jp-Button jp-mod-styled jp-CodeInterp-choice"
                disabled={busy}
                title={trans.__('Send “%1” as your answer', choice)}
                onClick={() => onAnswer(choice)}
              >
                {choice}
              </button>
            ) : (
              <span key={choice} className="jp-CodeInterp-choice">
                {choice}
              </span>
            )
          )}
        </div>
      )}
    </div>
  );
}

/** The rules of a turn: the AGENTS.md (a link that opens it) and the server's. */
export function RulesLine(props: {
  entry: IRulesEntry;
  trans: TranslationBundle;
  onOpenFile?: (path: string) => void;
}): JSX.Element {
  const { entry, trans, onOpenFile } = props;
  const parts = entry.rules.map((rule, index) => {
    const note = rule.truncated
      ? trans.__('%1 characters, cut to the rules limit', rule.chars)
      : trans.__('%1 characters', rule.chars);
    if (rule.source === 'config') {
      return (
        <span key={index} title={note}>
          {trans.__('server rules')}
        </span>
      );
    }
    const path = rule.path ?? '';
    const name = path.split('/').pop() || 'AGENTS.md';
    return onOpenFile && path ? (
      <button
        key={index}
        type="button"
        className="jp-CodeInterp-rulesLink"
        title={`${path} · ${note}`}
        onClick={() => onOpenFile(path)}
      >
        {name}
      </button>
    ) : (
      <span key={index} title={`${path} · ${note}`}>
        {name}
      </span>
    );
  });
  return (
    <div className="jp-CodeInterp-rules">
      {trans.__('Rules:')}{' '}
      {parts.map((part, index) => (
        <React.Fragment key={index}>
          {index > 0 && ' · '}
          {part}
        </React.Fragment>
      ))}
    </div>
  );
}

/** Props of `CellChipList`. */
export interface ICellChipListProps {
  /** The attached cells. */
  chips: readonly ICellChip[];
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Scroll the notebook to a cell. */
  onShow?: (cellId: string) => void;
  /** Remove a chip (absent: chips of a sent message). */
  onRemove?: (cellId: string) => void;
}

/** Attached notebook cells as chips: a click shows the cell. */
export function CellChipList(props: ICellChipListProps): JSX.Element {
  const { chips, trans, onShow, onRemove } = props;
  return (
    <div className="jp-CodeInterp-chips jp-CodeInterp-cellChips">
      {chips.map(chip => (
        <div
          key={chip.id}
          className="jp-CodeInterp-chip jp-CodeInterp-cellChip"
          data-cell-id={chip.id}
        >
          <button
            type="button"
            className="jp-CodeInterp-chipName"
            title={trans.__('Show cell %1 in the notebook', chip.label)}
            onClick={() => onShow?.(chip.id)}
          >
            {trans.__('Cell %1', chip.label)}
          </button>
          {onRemove && (
            <button
              type="button"
              className="jp-Button jp-mod-minimal jp-CodeInterp-chipRemove"
              aria-label={trans.__('Remove cell %1', chip.label)}
              title={trans.__('Remove')}
              onClick={() => onRemove(chip.id)}
            >
              ×
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

/** What the panel shows and does for the notebook agent's entry points. */
export interface IPanelAgent {
  /** Cells attached to the composer. */
  chips: readonly ICellChip[];
  /** Remove a composer chip. */
  onRemoveChip: (cellId: string) => void;
  /** Scroll the notebook to a cell. */
  onShowCell: (cellId: string) => void;
  /** Send the answer to the model's question. */
  onAnswer: (answer: string) => void;
  /** Open a rules file (absent: the name is not a link). */
  onOpenRules?: (path: string) => void;
  /** How a sent message's attached cell is named. */
  cellLabel: (cell: IAttachedCellRef) => string;
}
