/**
 * Formatting and totals of token usage and cost. Plain TypeScript, no DOM.
 */

import type { ITurnUsage } from './types';

/** Usage summed over a conversation. */
export interface IUsageTotal {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** True when any turn's tokens were estimated. */
  estimated: boolean;
  /** Cost by currency (turns with prices only). */
  costs: Record<string, number>;
}

/** A token count, short: 950, 12.3k, 1.2M. */
export function formatTokens(count: number): string {
  if (count < 1000) {
    return String(Math.round(count));
  }
  if (count < 1_000_000) {
    return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  }
  return `${(count / 1_000_000).toFixed(1)}M`;
}

const SYMBOLS: Record<string, string> = { USD: '$', CNY: '¥', EUR: '€' };

/** A cost with enough digits to show small amounts: $0.0012, ¥1.25. */
export function formatCost(cost: number, currency: string): string {
  const digits = cost >= 1 ? 2 : cost >= 0.01 ? 3 : 4;
  const amount = cost.toFixed(digits);
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${amount}` : `${amount} ${currency}`;
}

/** The sum of the usages of several turns. */
export function sumUsage(usages: readonly ITurnUsage[]): IUsageTotal {
  const total: IUsageTotal = {
    turns: usages.length,
    promptTokens: 0,
    completionTokens: 0,
    estimated: false,
    costs: {}
  };
  for (const usage of usages) {
    total.promptTokens += usage.promptTokens;
    total.completionTokens += usage.completionTokens;
    total.estimated = total.estimated || usage.estimated;
    if (usage.cost !== null && usage.currency) {
      total.costs[usage.currency] =
        (total.costs[usage.currency] ?? 0) + usage.cost;
    }
  }
  return total;
}

/** The costs of a total as text, e.g. "$0.012 + ¥0.30"; empty without prices. */
export function formatCosts(costs: Record<string, number>): string {
  return Object.entries(costs)
    .map(([currency, cost]) => formatCost(cost, currency))
    .join(' + ');
}
