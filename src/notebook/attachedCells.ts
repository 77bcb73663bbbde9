/**
 * Notebook cells attached to a turn (Fix, Explain, Ask about cells): what is
 * sent of them and how the panel names them. Pure functions over the
 * notebook model, no DOM.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IAttachedCell } from '../protocol';
import { cellIndex } from './cells';
import { compactOutputs, joinText, stripAnsi } from './outputs';

/** Most cells one turn may carry (docs/protocol.md, "Attached cells"). */
export const MAX_ATTACHED_CELLS = 20;

/** A cell's outputs as JSON (none for Markdown and raw cells). */
function outputsOf(cell: nbformat.ICell): nbformat.IOutput[] {
  return cell.cell_type === 'code'
    ? ((cell as nbformat.ICodeCell).outputs ?? [])
    : [];
}

/** Whether outputs hold an error. */
export function hasError(outputs: readonly nbformat.IOutput[]): boolean {
  return outputs.some(output => output.output_type === 'error');
}

/**
 * Outputs compacted like execute results, except that each error keeps its
 * whole traceback (ANSI stripped): the model needs all of it to fix the cell.
 */
export function attachedOutputs(
  outputs: readonly nbformat.IOutput[],
  outputLimit: number
): nbformat.IOutput[] {
  const errors = outputs.filter(
    (output): output is nbformat.IError => output.output_type === 'error'
  );
  let next = 0;
  // Compaction keeps every error, in order: the n-th compacted error is the n-th one.
  return compactOutputs(outputs, { outputLimit }).map(output => {
    if (output.output_type !== 'error') {
      return output;
    }
    const error = errors[next++];
    return {
      ...output,
      evalue: stripAnsi(String(error?.evalue ?? output.evalue)),
      traceback: [stripAnsi((error?.traceback ?? []).join('\n'))].filter(
        text => text !== ''
      )
    };
  });
}

/** The cell with this id as a turn attaches it, or null when it is gone. */
export function attachedCell(
  model: INotebookModel | null | undefined,
  cellId: string,
  outputLimit: number
): IAttachedCell | null {
  const index = cellIndex(model, cellId);
  if (!model || index === -1) {
    return null;
  }
  const cell = model.sharedModel.getCell(index).toJSON();
  return {
    id: cellId,
    index,
    source: joinText(cell.source),
    outputs: attachedOutputs(outputsOf(cell), outputLimit)
  };
}

/** The cells with these ids that the notebook still has, in notebook order. */
export function attachedCells(
  model: INotebookModel | null | undefined,
  cellIds: readonly string[],
  outputLimit: number
): IAttachedCell[] {
  const cells = cellIds
    .map(id => attachedCell(model, id, outputLimit))
    .filter((cell): cell is IAttachedCell => cell !== null)
    .sort((a, b) => a.index - b.index);
  return cells.slice(0, MAX_ATTACHED_CELLS);
}

/**
 * How the panel names a cell: its execution count as the notebook shows it
 * (`[3]`), else its position (`#4`).
 */
export function cellLabel(
  model: INotebookModel | null | undefined,
  cellId: string
): string {
  const index = cellIndex(model, cellId);
  if (!model || index === -1) {
    return '';
  }
  const cell = model.sharedModel.getCell(index).toJSON();
  const count =
    cell.cell_type === 'code'
      ? (cell as nbformat.ICodeCell).execution_count
      : null;
  return typeof count === 'number' ? `[${count}]` : `#${index + 1}`;
}

/** What a cell action asks the model. */
export type CellAction = 'fix' | 'explain';

/** The translated instruction of Fix or Explain for a cell named `label`. */
export function cellActionInstruction(
  action: CellAction,
  label: string,
  trans: TranslationBundle
): string {
  return action === 'fix'
    ? trans.__('Fix the error in cell %1.', label)
    : trans.__('Explain the output of cell %1.', label);
}
