import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { PanelView } from '../components/Panel';
import { emptyConversation, IConversation } from '../conversation';
import { panelViewProps } from './fakes';
import { mount, press, typeValue } from './react';

const trans = nullTranslator.load('jupyter_code_interp');

describe('the panel without a notebook', () => {
  let widget: Widget | null = null;

  afterEach(async () => {
    await act(async () => widget?.dispose());
    widget = null;
  });

  const find = (selector: string) => widget!.node.querySelector(selector);

  it('keeps the composer: the first instruction creates a notebook where it says', async () => {
    const sent: string[] = [];
    widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        notebook={null}
        conversation={null}
        newNotebookFolder="work/demo"
        onSend={text => {
          sent.push(text);
          return true;
        }}
      />
    );
    expect(find('.jp-CodeInterp-noNotebook p')!.textContent).toContain(
      'your first instruction creates one in work/demo'
    );
    const input = find('.jp-CodeInterp-input') as HTMLTextAreaElement;
    await typeValue(input, 'write a rate limiter and test it');
    await press(input);
    expect(sent).toEqual(['write a rate limiter and test it']);
    // The file browser's root is named, not left blank.
    await act(async () => widget!.dispose());
    widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        notebook={null}
        conversation={null}
        newNotebookFolder=""
      />
    );
    expect(find('.jp-CodeInterp-noNotebook p')!.textContent).toContain(
      'creates one in the root folder'
    );
  });

  it('says that the notebook is being created, and waits', async () => {
    widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        notebook={null}
        conversation={null}
        newNotebookFolder="work"
        creatingNotebook={true}
      />
    );
    expect(find('.jp-CodeInterp-noNotebook p')!.textContent).toBe(
      'Creating a notebook in work…'
    );
    const input = find('.jp-CodeInterp-input') as HTMLTextAreaElement;
    await typeValue(input, 'again');
    const send = find('.jp-CodeInterp-send') as HTMLButtonElement;
    expect(send.disabled).toBe(true);
  });

  it('has no composer when notebooks cannot be created here', async () => {
    widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        notebook={null}
        conversation={null}
      />
    );
    expect(find('.jp-CodeInterp-input')).toBeNull();
    expect(find('.jp-CodeInterp-createNotebook')).not.toBeNull();
  });
});

describe('Retry', () => {
  function failed(reason: 'error' | 'done' | 'stopped'): IConversation {
    return {
      ...emptyConversation('a.ipynb'),
      entries: [
        { kind: 'user', id: 't:0', turnId: 't', text: 'DELETE every file' },
        {
          kind: 'notice',
          id: 't:1',
          turnId: 't',
          reason,
          message: 'The provider rejected the API key (401).'
        }
      ],
      undoableTurnId: 't'
    };
  }

  it('is on the last turn when it failed, and sends it again', async () => {
    const retried: string[] = [];
    const widget = await mount(
      <PanelView
        {...panelViewProps(trans)}
        conversation={failed('error')}
        onRetryTurn={turnId => retried.push(turnId)}
      />
    );
    const button = widget.node.querySelector(
      '.jp-CodeInterp-retryTurn'
    ) as HTMLButtonElement;
    expect(button.textContent).toBe('Retry');
    await act(async () => button.click());
    expect(retried).toEqual(['t']);
    await act(async () => widget.dispose());
  });

  it.each(['done', 'stopped'] as const)(
    'is not on a turn that ended %s',
    async reason => {
      const widget = await mount(
        <PanelView
          {...panelViewProps(trans)}
          conversation={failed(reason)}
          onRetryTurn={() => undefined}
        />
      );
      expect(widget.node.querySelector('.jp-CodeInterp-retryTurn')).toBeNull();
      await act(async () => widget.dispose());
    }
  );
});
