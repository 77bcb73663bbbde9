import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { buildIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import {
  CellAction,
  cellActionInstruction,
  cellLabel,
  hasError
} from '../notebook/attachedCells';
import { addErrorActions } from '../notebook/outputActions';
import { codeInterpreterIcon } from '../icons';
import { ICodeInterpreterPanel } from '../tokens';

/** Command ids. */
namespace CommandIDs {
  /** Fix the error of a cell. */
  export const fix = 'code-interp:fix-cell';
  /** Explain the output of a cell. */
  export const explain = 'code-interp:explain-cell';
  /** Attach the selected cells to the composer. */
  export const ask = 'code-interp:ask-about-cells';
}

/** A cell widget and the notebook panel it is in. */
interface ICellTarget {
  panel: NotebookPanel;
  cell: Cell;
}

/** The notebook cell (and its panel) whose DOM holds `node`. */
function cellOfNode(
  tracker: INotebookTracker,
  node: HTMLElement | null
): ICellTarget | null {
  const cellNode = node?.closest('.jp-Cell') ?? null;
  if (!cellNode) {
    return null;
  }
  let target: ICellTarget | null = null;
  tracker.forEach(panel => {
    const cell = panel.content.widgets.find(c => c.node === cellNode);
    if (cell && !target) {
      target = { panel, cell };
    }
  });
  return target;
}

/** The outputs of a code cell (none for other cells). */
function outputsOf(cell: Cell | undefined): nbformat.IOutput[] {
  const json = cell?.model.toJSON();
  return json?.cell_type === 'code'
    ? ((json as nbformat.ICodeCell).outputs ?? [])
    : [];
}

/**
 * Fix and Explain on cell outputs (a button row under errors, the cell and
 * output context menus) and "Ask Code Interpreter about the selected cells":
 * they start a turn, or attach chips, about the user's own cells.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-code-interp:cell-actions',
  description:
    'Fix, Explain and Ask about cells: the Code Interpreter from notebook cells and outputs.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry, ICodeInterpreterPanel],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    interpreter: ICodeInterpreterPanel,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_code_interp');

    /** The cell a command acts on: the one right-clicked, else the active one. */
    const targetCell = (): ICellTarget | null => {
      const hit = app.contextMenuHitTest(node =>
        node.classList.contains('jp-Cell')
      );
      const target = hit ? cellOfNode(tracker, hit) : null;
      const panel = tracker.currentWidget;
      const active = panel?.content.activeCell;
      return target ?? (panel && active ? { panel, cell: active } : null);
    };

    /**
     * Whether a menu item belongs where the user right-clicked: an output's
     * items show on outputs, the cell's elsewhere on the cell (once each).
     */
    const inPlace = (args: ReadonlyPartialJSONObject): boolean => {
      const onOutput =
        app.contextMenuHitTest(node =>
          node.classList.contains('jp-OutputArea-child')
        ) !== undefined;
      return (
        args['area'] === undefined || (args['area'] === 'output') === onOutput
      );
    };

    const act = (target: ICellTarget | null, action: CellAction): void => {
      if (!target) {
        return;
      }
      const { panel, cell } = target;
      const model = panel.content.model;
      const instruction = cellActionInstruction(
        action,
        cellLabel(model, cell.model.id),
        trans
      );
      interpreter.show();
      if (interpreter.ask(panel, instruction, [cell.model.id]) === null) {
        Notification.warning(
          trans.__(
            'The Code Interpreter is busy in this notebook: wait for its turn to end or stop it, then try again.'
          ),
          { autoClose: 5000 }
        );
      }
    };

    addErrorActions(rendermime, trans, (node, action) =>
      act(cellOfNode(tracker, node), action)
    );

    app.commands.addCommand(CommandIDs.fix, {
      // On the cell toolbar (args.toolbar, as JupyterLab's own cell buttons): icon and caption.
      label: args =>
        args['toolbar'] ? '' : trans.__('Fix with Code Interpreter'),
      icon: args => (args['toolbar'] ? buildIcon : undefined),
      caption: trans.__(
        'Ask the Code Interpreter to fix the error of this cell'
      ),
      isVisible: args =>
        inPlace(args) && hasError(outputsOf(targetCell()?.cell)),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => act(targetCell(), 'fix')
    });
    app.commands.addCommand(CommandIDs.explain, {
      // On the cell toolbar (args.toolbar, as JupyterLab's own cell buttons): icon and caption.
      label: args =>
        args['toolbar'] ? '' : trans.__('Explain with Code Interpreter'),
      icon: args => (args['toolbar'] ? codeInterpreterIcon : undefined),
      caption: trans.__(
        'Ask the Code Interpreter to explain the output of this cell'
      ),
      isVisible: args =>
        inPlace(args) && outputsOf(targetCell()?.cell).length > 0,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => act(targetCell(), 'explain')
    });
    app.commands.addCommand(CommandIDs.ask, {
      label: trans.__('Ask Code Interpreter about the selected cells'),
      caption: trans.__(
        'Attach the selected cells to the Code Interpreter’s next instruction'
      ),
      isEnabled: () => tracker.currentWidget !== null,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return;
        }
        const notebook = panel.content;
        const chips = notebook.widgets
          .filter(cell => notebook.isSelectedOrActive(cell))
          .map(cell => ({
            id: cell.model.id,
            label: cellLabel(notebook.model, cell.model.id)
          }));
        interpreter.cellChips.add(panel.context.path, chips);
        interpreter.show();
      }
    });

    // The cell toolbar asks isVisible when it draws its buttons: tell it when the answer may
    // change (another cell or notebook becomes active, a cell ran, the active cell's outputs change).
    const refresh = (): void => {
      app.commands.notifyCommandChanged(CommandIDs.fix);
      app.commands.notifyCommandChanged(CommandIDs.explain);
    };
    let watched: ICodeCellModel | null = null;
    tracker.activeCellChanged.connect((_, cell) => {
      watched?.outputs.changed.disconnect(refresh);
      watched =
        cell?.model.type === 'code' ? (cell.model as ICodeCellModel) : null;
      watched?.outputs.changed.connect(refresh);
      refresh();
    });
    tracker.currentChanged.connect(refresh);
    NotebookActions.executed.connect(refresh);

    // A right-click on an output matches both selectors: `area` keeps one of each.
    for (const [selector, area, rank] of [
      ['.jp-Cell', 'cell', 12],
      ['.jp-OutputArea-child', 'output', 0]
    ] as const) {
      for (const [command, offset] of [
        [CommandIDs.fix, 0],
        [CommandIDs.explain, 0.1]
      ] as const) {
        app.contextMenu.addItem({
          command,
          selector,
          rank: rank + offset,
          args: { area }
        });
      }
    }
    app.contextMenu.addItem({
      command: CommandIDs.ask,
      selector: '.jp-Notebook .jp-Cell',
      rank: 12.2
    });
    palette?.addItem({
      command: CommandIDs.ask,
      category: trans.__('Code Interpreter')
    });
  }
};

export default plugin;
