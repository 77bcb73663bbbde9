import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { TranslationBundle } from '@jupyterlab/translation';

/** Schema keys whose string values are shown to the user (scripts/i18n.py extracts them). */
const SHOWN_KEYS = new Set([
  'title',
  'description',
  'jupyter.lab.setting-icon-label'
]);

/** Schema keys holding data, not text for people: never translated. */
const DATA_KEYS = new Set(['default', 'examples', 'enum', 'const']);

/**
 * A copy of a settings schema (or part of one) whose titles, descriptions
 * and icon label are translated with `trans`.
 */
export function translateSchema<T>(node: T, trans: TranslationBundle): T {
  if (Array.isArray(node)) {
    return node.map(item => translateSchema(item, trans)) as T;
  }
  if (node === null || typeof node !== 'object') {
    return node;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DATA_KEYS.has(key)) {
      copy[key] = value;
    } else if (typeof value === 'string' && SHOWN_KEYS.has(key)) {
      copy[key] = trans.__(value); // i18n-dynamic: schema strings are extracted from schema/*.json
    } else {
      copy[key] = translateSchema(value, trans);
    }
  }
  return copy as T;
}

/**
 * Translate a plugin's settings schema in the Settings editor.
 *
 * jupyterlab_server only translates schemas with catalogs that live inside a
 * language pack, so an extension's own catalog has to be applied here, as a
 * `fetch` transform. The schema must set `"jupyter.lab.transform": true`, and
 * this must run before the plugin's settings are loaded.
 */
export function translateSettings(
  registry: ISettingRegistry,
  pluginId: string,
  trans: TranslationBundle
): void {
  registry.transform(pluginId, {
    fetch: plugin => ({
      ...plugin,
      schema: translateSchema(plugin.schema, trans)
    })
  });
}
