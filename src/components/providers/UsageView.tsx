import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ITurnUsage } from '../../providers/types';
import {
  formatCost,
  formatCosts,
  formatTokens,
  IUsageTotal
} from '../../providers/usage';

/** Tokens in/out and cost of one turn, under its notice. */
export function TurnUsage(props: {
  usage: ITurnUsage;
  trans: TranslationBundle;
}): JSX.Element {
  const { usage, trans } = props;
  const parts = [
    trans.__('%1 in', formatTokens(usage.promptTokens)),
    trans.__('%1 out', formatTokens(usage.completionTokens))
  ];
  if (usage.cost !== null && usage.currency) {
    parts.push(formatCost(usage.cost, usage.currency));
  }
  const estimate = usage.estimated
    ? trans.__('estimated: the provider reported no usage')
    : trans.__('as reported by the provider');
  return (
    <div
      className="jp-CodeInterp-turnUsage"
      data-estimated={usage.estimated ? 'true' : 'false'}
      title={trans.__(
        '%1 prompt tokens, %2 completion tokens (%3)',
        usage.promptTokens,
        usage.completionTokens,
        estimate
      )}
    >
      <span className="jp-CodeInterp-usageModel">{usage.model}</span>
      {' · '}
      {usage.estimated ? '≈ ' : ''}
      {parts.join(' · ')}
    </div>
  );
}

/** The conversation's total, in the panel's model bar. */
export function UsageTotal(props: {
  total: IUsageTotal;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { total, trans } = props;
  if (total.turns === 0) {
    return null;
  }
  const costs = formatCosts(total.costs);
  const text = trans.__(
    '%1 in · %2 out',
    formatTokens(total.promptTokens),
    formatTokens(total.completionTokens)
  );
  return (
    <span
      className="jp-CodeInterp-usageTotal"
      title={trans._n(
        'This conversation: %1 turn, %2 prompt and %3 completion tokens',
        'This conversation: %1 turns, %2 prompt and %3 completion tokens',
        total.turns,
        total.promptTokens,
        total.completionTokens
      )}
    >
      {total.estimated ? '≈ ' : ''}
      {text}
      {costs ? ` · ${costs}` : ''}
    </span>
  );
}
