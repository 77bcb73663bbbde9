import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { errorMessage } from '../../errors';
import type { IProvidersClient } from '../../providers/client';
import type {
  ConnectionStatus,
  IConnectionResult,
  IProviderView
} from '../../providers/types';

/** A short name for a connection test outcome. */
export function statusLabel(
  status: ConnectionStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'ok':
      return trans.__('Connected');
    case 'no_key':
      return trans.__('No API key');
    case 'unauthorized':
      return trans.__('Key rejected');
    case 'model_not_found':
      return trans.__('Model not found');
    case 'rate_limited':
      return trans.__('Rate limited');
    case 'unreachable':
      return trans.__('Cannot connect');
    case 'not_openai':
      return trans.__('Not an OpenAI-compatible reply');
    default:
      return trans.__('Error');
  }
}

/** Where a provider's key comes from, as shown (never the key itself). */
export function keyStateText(
  provider: IProviderView,
  trans: TranslationBundle
): string {
  switch (provider.keySource) {
    case 'settings':
      return trans.__('Key set (saved on the server)');
    case 'config':
      return trans.__('Key set (server configuration)');
    case 'environment':
      return trans.__('Key set (from $%1)', provider.apiKeyEnv ?? '');
    default:
      return provider.needsKey
        ? trans.__('No key set')
        : trans.__('No key (not needed)');
  }
}

/** One provider in the dialog: key state, key field, test, remove. */
export function ProviderCard(props: {
  provider: IProviderView;
  client: IProvidersClient;
  trans: TranslationBundle;
  onSaved: () => void;
}): JSX.Element {
  const { provider, client, trans } = props;
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<IConnectionResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>, changes = true) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      if (changes) {
        props.onSaved();
      }
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };
  const saveKey = () =>
    run(async () => {
      await client.save(provider.name, { apiKey: key.trim() });
      setKey(''); // the key is not kept in the page once saved
      setResult(null);
    });
  const test = () =>
    run(async () => setResult(await client.test(provider.name)), false);

  return (
    <div className="jp-CodeInterp-provider" data-name={provider.name}>
      <div className="jp-CodeInterp-providerHead">
        <strong>{provider.label}</strong>{' '}
        <code className="jp-CodeInterp-providerName">{provider.name}</code>
        <span className="jp-CodeInterp-providerSource">
          {provider.editable
            ? trans.__('added here')
            : trans.__('server configuration')}
        </span>
      </div>
      {provider.baseUrl && (
        <div className="jp-CodeInterp-providerUrl">{provider.baseUrl}</div>
      )}
      <div
        className="jp-CodeInterp-keyState"
        data-key-set={provider.keySet ? 'true' : 'false'}
      >
        {keyStateText(provider, trans)}
      </div>
      {provider.source !== 'local' && (
        <form
          className="jp-CodeInterp-keyForm"
          onSubmit={event => {
            event.preventDefault();
            if (key.trim()) {
              void saveKey();
            }
          }}
        >
          <input
            type="password"
            className="jp-mod-styled jp-CodeInterp-keyInput"
            autoComplete="off"
            spellCheck={false}
            aria-label={trans.__('API key for %1', provider.label)}
            placeholder={
              provider.keySet
                ? trans.__('Paste a new key to replace it')
                : trans.__('Paste the API key')
            }
            value={key}
            onChange={event => setKey(event.target.value)}
          />
          <button
            type="submit"
            className="jp-Button jp-mod-styled jp-mod-accept jp-CodeInterp-saveKey"
            disabled={busy || !key.trim()}
          >
            {trans.__('Save key')}
          </button>
          {provider.keySource === 'settings' && (
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-CodeInterp-clearKey"
              disabled={busy}
              onClick={() =>
                void run(() => client.save(provider.name, { clearKey: true }))
              }
            >
              {trans.__('Remove key')}
            </button>
          )}
        </form>
      )}
      <div className="jp-CodeInterp-providerActions">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-CodeInterp-testConnection"
          disabled={busy}
          onClick={() => void test()}
        >
          {busy ? trans.__('Working…') : trans.__('Test connection')}
        </button>
        {provider.editable && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-warn jp-CodeInterp-removeProvider"
            disabled={busy}
            onClick={() => void run(() => client.remove(provider.name))}
          >
            {trans.__('Remove provider')}
          </button>
        )}
      </div>
      {!provider.ready && provider.problem && (
        <div className="jp-CodeInterp-providerProblem">{provider.problem}</div>
      )}
      {provider.modelsError && (
        <div className="jp-CodeInterp-providerProblem">
          {provider.modelsError}
        </div>
      )}
      {result && (
        <div className="jp-CodeInterp-testResult" data-status={result.status}>
          <strong>{statusLabel(result.status, trans)}</strong>
          {': '}
          {result.message}
        </div>
      )}
      {error && (
        <div className="jp-CodeInterp-providerProblem" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
