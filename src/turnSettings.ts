/**
 * The user settings a turn is sent with (schema/panel.json) and what they
 * come to in its frame: the output limit, the model.
 */

import type { IServerStatus } from './protocol';
import type { IModelChoice } from './providers/types';

/**
 * User settings sent with each turn (schema/panel.json); a limit that is
 * absent (the settings are not read yet) is left to the server's configuration.
 */
export interface ITurnSettings {
  /** Code cells one turn may run. */
  maxSteps?: number;
  /** Characters of a cell's text output sent to the model per step. */
  outputLimit?: number;
  /** The model id to use ('' or absent: the server's default). */
  defaultModel?: string;
  /** Run the model's code at once (false: ask the user first). */
  autoRun?: boolean;
  /** Automatic fix attempts per failure. */
  maxFixAttempts?: number;
  /** Ask once for computed figures when a turn about files ends without code. */
  computeFigures?: boolean;
  /** Apply the model's edits of cells without review (deletions are still reviewed). */
  trustEdits?: boolean;
}

/**
 * Characters of output kept in the panel per step: the setting, else the
 * server's configured limit; when neither is known nothing is cut here (the
 * server cuts).
 */
export function outputLimitOf(
  settings: ITurnSettings,
  status: IServerStatus | null
): number {
  return settings.outputLimit ?? status?.outputLimit ?? Infinity;
}

/** The model fields of a turn frame: the picker's choice, else the setting. */
export function modelFields(
  choice: IModelChoice | null,
  settings: ITurnSettings
): { provider?: string; model?: string } {
  if (choice) {
    return { provider: choice.provider, model: choice.model };
  }
  return settings.defaultModel ? { model: settings.defaultModel } : {};
}
