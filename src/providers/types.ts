/**
 * Wire types of the providers feature (see docs/protocol.md): models and
 * providers in `GET /code-interp/status`, the providers dialog's REST API,
 * and the usage a turn reports. No type here ever holds an API key.
 */

/** A model the server offers, with what it can do. */
export interface IModelInfo {
  id: string;
  provider: string;
  toolMode: string;
  /** The model (set to `auto`) was seen writing fenced code instead of calling the tool. */
  toolModeLearned?: boolean;
  vision?: boolean;
  contextWindow?: number | null;
  /** Price per million prompt tokens, in `currency`. */
  priceIn?: number | null;
  /** Price per million completion tokens, in `currency`. */
  priceOut?: number | null;
  currency?: string;
}

/** A provider as `GET /code-interp/status` lists it. */
export interface IProviderStatus {
  name: string;
  label: string;
  preset: string;
  ready: boolean;
  problem: string | null;
  baseUrl: string | null;
  models: IModelInfo[];
  modelsError: string | null;
}

/** The provider and model a turn runs with. */
export interface IModelChoice {
  provider: string;
  model: string;
}

/** A provider as the settings dialog shows it: `keySet`, never the key. */
export interface IProviderView {
  name: string;
  label: string;
  preset: string;
  /** Where it is defined: the flat legacy settings, config, this dialog, or the local model. */
  source: 'default' | 'config' | 'settings' | 'local';
  /** Only providers added in the dialog can be edited or removed. */
  editable: boolean;
  baseUrl: string | null;
  apiVersion: string | null;
  apiKeyEnv: string | null;
  needsKey: boolean;
  keySet: boolean;
  keySource: 'settings' | 'config' | 'environment' | null;
  fetchModels: boolean;
  currency: string;
  ready: boolean;
  problem: string | null;
  configuredModels: Array<Record<string, unknown>>;
  models: IModelInfo[];
  modelsError: string | null;
}

/** A preset endpoint the dialog can start from. */
export interface IPreset {
  id: string;
  label: string;
  baseUrl: string | null;
  keyEnv: string | null;
  needsKey: boolean;
  models: string[];
  fetchModels: boolean;
  azure: boolean;
  apiVersion: string | null;
  local: boolean;
  note: string;
}

/** `GET /code-interp/providers`. */
export interface IProviderListing {
  providers: IProviderView[];
  presets: IPreset[];
  storeProblem: string | null;
  configErrors: string[];
}

/** What `PUT /code-interp/providers/<name>` accepts. */
export interface IProviderUpdate {
  preset?: string;
  label?: string;
  baseUrl?: string | null;
  apiVersion?: string | null;
  models?: Array<string | Record<string, unknown>>;
  fetchModels?: boolean;
  currency?: string;
  /** A new key (write-only: it is never sent back; the only key such a provider uses). */
  apiKey?: string;
  /** Remove the key stored for this provider. */
  clearKey?: boolean;
}

/** Outcome kinds of `POST /code-interp/providers/<name>/test`. */
export type ConnectionStatus =
  | 'ok'
  | 'no_key'
  | 'unauthorized'
  | 'model_not_found'
  | 'rate_limited'
  | 'unreachable'
  | 'not_openai'
  | 'error';

/** The answer of a connection test. */
export interface IConnectionResult {
  status: ConnectionStatus;
  message: string;
  models?: number;
  retryAfter?: number;
}

/** Tokens (and cost) of one turn, from `turn_finished.usage`. */
export interface ITurnUsage {
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** True when the provider reported no usage and tokens were counted locally. */
  estimated: boolean;
  cost: number | null;
  currency: string | null;
}
