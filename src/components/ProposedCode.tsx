import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { codeSegments } from '../render/hidden';

/** Props of `ProposedCode`. */
export interface IProposedCodeProps {
  /** The code as it will run. */
  code: string;
  /** Translation bundle. */
  trans: TranslationBundle;
}

/**
 * The code of a step as it will run, each hidden character (bidi override,
 * zero-width, control, ANSI escape) shown as a marker such as ⟪U+202E⟫, with
 * a warning when there are any. The markers only show; the code is unchanged.
 */
export function ProposedCode(props: IProposedCodeProps): JSX.Element {
  const { code, trans } = props;
  const segments = codeSegments(code);
  const hidden = segments.filter(segment => segment.hidden).length;
  return (
    <div className="jp-CodeInterp-proposedCode">
      {hidden > 0 && (
        <div className="jp-CodeInterp-hiddenWarning" role="alert">
          {trans._n(
            'This code contains %1 hidden character (a direction override, zero-width, control or escape character), shown as ⟪U+…⟫. It is part of the code: Run runs the code exactly as it is.',
            'This code contains %1 hidden characters (direction overrides, zero-width, control or escape characters), shown as ⟪U+…⟫. They are part of the code: Run runs the code exactly as it is.',
            hidden
          )}
        </div>
      )}
      <pre className="jp-CodeInterp-codeText" dir="ltr">
        {segments.map((segment, index) =>
          segment.hidden ? (
            <mark
              key={index}
              className="jp-CodeInterp-hiddenChar"
              title={segment.name}
            >
              {segment.marker}
            </mark>
          ) : (
            <React.Fragment key={index}>{segment.text}</React.Fragment>
          )
        )}
      </pre>
    </div>
  );
}
