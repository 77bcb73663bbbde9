/**
 * The panel's settings (schema/panel.json). The schema is the one source of
 * their defaults and limits: values are read through the settings registry,
 * kept within the schema's bounds, and the schema's default stands in for a
 * missing or invalid value.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/** The id of the panel's settings (schema/panel.json), also the panel plugin's id. */
export const PANEL_SETTINGS_ID = 'jupyter-code-interp:panel';

/**
 * A number setting within its schema's `minimum`/`maximum` (whole for an
 * integer), else its schema `default` (undefined when there is none).
 */
export function numberSetting(
  settings: ISettingRegistry.ISettings,
  key: string
): number | undefined {
  const schema = settings.schema.properties?.[key] ?? {};
  const fallback =
    typeof schema.default === 'number' ? schema.default : undefined;
  const value = settings.get(key).composite;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fallback;
  }
  const type: unknown = schema.type;
  let number = type === 'integer' ? Math.floor(value) : value;
  const { minimum, maximum, exclusiveMinimum } = schema;
  if (typeof exclusiveMinimum === 'number' && number <= exclusiveMinimum) {
    return fallback;
  }
  if (typeof minimum === 'number') {
    number = Math.max(minimum, number);
  }
  if (typeof maximum === 'number') {
    number = Math.min(maximum, number);
  }
  return number;
}

/** A string setting, trimmed ('' when it is not a string). */
export function stringSetting(
  settings: ISettingRegistry.ISettings,
  key: string
): string {
  const value = settings.get(key).composite;
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Load the panel's settings and call `read` with them now and after every
 * change. Resolves with them once read; when they cannot be loaded, logs
 * `failure` and resolves with null.
 */
export async function watchSettings(
  registry: ISettingRegistry,
  read: (settings: ISettingRegistry.ISettings) => void,
  failure: string
): Promise<ISettingRegistry.ISettings | null> {
  try {
    const settings = await registry.load(PANEL_SETTINGS_ID);
    read(settings);
    settings.changed.connect(() => read(settings));
    return settings;
  } catch (reason) {
    console.error(failure, reason);
    return null;
  }
}
