import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { errorMessage } from '../../errors';
import type { IProvidersClient } from '../../providers/client';
import type { IPreset } from '../../providers/types';

/** A unique provider name for a preset: "deepseek", then "deepseek-2"… */
export function suggestName(preset: string, taken: readonly string[]): string {
  const base = ['default', 'local'].includes(preset) ? `${preset}-1` : preset;
  let name = base;
  for (let index = 2; taken.includes(name); index++) {
    name = `${base}-${index}`;
  }
  return name;
}

/** Model ids typed as "a, b c" (commas or spaces). */
export function parseModelList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map(model => model.trim())
    .filter(model => model.length > 0);
}

/** The "add a provider" form: a preset, a name, URL, models and key. */
export function AddProvider(props: {
  presets: readonly IPreset[];
  taken: readonly string[];
  client: IProvidersClient;
  trans: TranslationBundle;
  onSaved: () => void;
}): JSX.Element {
  const { presets, client, trans } = props;
  const [presetId, setPresetId] = useState(presets[0]?.id ?? 'custom');
  const preset = presets.find(p => p.id === presetId);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [apiVersion, setApiVersion] = useState('');
  const [models, setModels] = useState('');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const chosenName = name.trim() || suggestName(presetId, props.taken);

  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      const modelList = parseModelList(models);
      await client.save(chosenName, {
        preset: presetId,
        ...(url.trim() ? { baseUrl: url.trim() } : {}),
        ...(apiVersion.trim() ? { apiVersion: apiVersion.trim() } : {}),
        ...(modelList.length ? { models: modelList } : {}),
        ...(key.trim() ? { apiKey: key.trim() } : {})
      });
      setKey('');
      setName('');
      setUrl('');
      setModels('');
      props.onSaved();
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="jp-CodeInterp-addProvider"
      onSubmit={event => {
        event.preventDefault();
        void add();
      }}
    >
      <h4>{trans.__('Add a provider')}</h4>
      <label>
        {trans.__('Preset')}
        <select
          className="jp-mod-styled jp-CodeInterp-presetSelect"
          value={presetId}
          onChange={event => setPresetId(event.target.value)}
        >
          {presets.map(p => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {preset?.note && (
        <div className="jp-CodeInterp-presetNote">{preset.note}</div>
      )}
      <label>
        {trans.__('Name')}
        <input
          className="jp-mod-styled jp-CodeInterp-newName"
          value={name}
          placeholder={suggestName(presetId, props.taken)}
          onChange={event => setName(event.target.value)}
        />
      </label>
      <label>
        {trans.__('Base URL')}
        <input
          className="jp-mod-styled jp-CodeInterp-newUrl"
          value={url}
          placeholder={preset?.baseUrl ?? 'https://…/v1'}
          onChange={event => setUrl(event.target.value)}
        />
      </label>
      {preset?.azure && (
        <label>
          {trans.__('API version')}
          <input
            className="jp-mod-styled jp-CodeInterp-newApiVersion"
            value={apiVersion}
            placeholder={preset.apiVersion ?? ''}
            onChange={event => setApiVersion(event.target.value)}
          />
        </label>
      )}
      <label>
        {preset?.azure ? trans.__('Deployments') : trans.__('Models')}
        <input
          className="jp-mod-styled jp-CodeInterp-newModels"
          value={models}
          placeholder={
            preset?.models.join(', ') ||
            (preset?.fetchModels
              ? trans.__('listed by the server')
              : trans.__('model ids, comma separated'))
          }
          onChange={event => setModels(event.target.value)}
        />
      </label>
      <label>
        {preset?.needsKey === false
          ? trans.__('API key (optional)')
          : trans.__('API key')}
        <input
          type="password"
          autoComplete="off"
          spellCheck={false}
          className="jp-mod-styled jp-CodeInterp-newKey"
          value={key}
          onChange={event => setKey(event.target.value)}
        />
      </label>
      <button
        type="submit"
        className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-add"
        disabled={busy}
      >
        {trans.__('Add “%1”', chosenName)}
      </button>
      {error && (
        <div className="jp-CodeInterp-providerProblem" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}
