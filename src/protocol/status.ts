/**
 * The server's readiness as `GET /code-interp/status` reports it.
 */

import type { IModelInfo, IProviderStatus } from '../providers/types';

/** Response of `GET /code-interp/status`. */
export interface IServerStatus {
  ready: boolean;
  problem: string | null;
  /** Models of the usable providers (each names its `provider`). */
  models: Array<Pick<IModelInfo, 'id' | 'toolMode'> & Partial<IModelInfo>>;
  defaultModel: string | null;
  /** Provider of `defaultModel`. */
  defaultProvider?: string | null;
  /** What is wrong with the configured default model (e.g. the endpoint does not list it). */
  defaultModelProblem?: string | null;
  /** Every provider with its models (unusable ones with their problem). */
  providers?: IProviderStatus[];
  baseUrl: string | null;
  maxSteps: number;
  outputLimit: number;
}
