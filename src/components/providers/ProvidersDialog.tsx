import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useState } from 'react';

import { errorMessage } from '../../errors';
import type { IProvidersClient } from '../../providers/client';
import type { IProviderListing } from '../../providers/types';
import { AddProvider } from './AddProvider';
import { ProviderCard } from './ProviderCard';

/** Props of `ProvidersSettings`. */
export interface IProvidersSettingsProps {
  /** The providers REST client. */
  client: IProvidersClient;
  /** Translation bundle. */
  trans: TranslationBundle;
  /** Called after any change saved on the server. */
  onChanged: () => void;
}

/** The body of the providers dialog: providers with key and test, and "add". */
export function ProvidersSettings(props: IProvidersSettingsProps): JSX.Element {
  const { client, trans, onChanged } = props;
  const [listing, setListing] = useState<IProviderListing | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setListing(await client.list());
      setError(null);
    } catch (reason) {
      setError(errorMessage(reason));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);
  const saved = () => {
    onChanged();
    void load();
  };

  if (listing === null) {
    return (
      <div className="jp-CodeInterp-providers">
        {error ?? trans.__('Loading providers…')}
      </div>
    );
  }
  const problems = [listing.storeProblem, ...listing.configErrors].filter(
    (problem): problem is string => !!problem
  );
  return (
    <div className="jp-CodeInterp-providers">
      <p className="jp-CodeInterp-providersIntro">
        {trans.__(
          'Keys are kept on the Jupyter server in a file only your user can read; they are never sent back to the browser and are kept out of the kernels’ environment.'
        )}
      </p>
      {problems.map(problem => (
        <div
          key={problem}
          className="jp-CodeInterp-providerProblem"
          role="alert"
        >
          {problem}
        </div>
      ))}
      {listing.providers.length === 0 && (
        <p>{trans.__('No provider yet: add one below.')}</p>
      )}
      {listing.providers.map(provider => (
        <ProviderCard
          key={provider.name}
          provider={provider}
          client={client}
          trans={trans}
          onSaved={saved}
        />
      ))}
      <AddProvider
        presets={listing.presets}
        taken={listing.providers.map(provider => provider.name)}
        client={client}
        trans={trans}
        onSaved={saved}
      />
    </div>
  );
}

/** Show the providers dialog until it is closed. */
export async function openProvidersDialog(
  client: IProvidersClient,
  trans: TranslationBundle,
  onChanged: () => void
): Promise<void> {
  const body = ReactWidget.create(
    <ProvidersSettings client={client} trans={trans} onChanged={onChanged} />
  );
  body.addClass('jp-CodeInterp-providersDialog');
  // The dialog closes on Enter in any field (a capture listener on its node);
  // in our fields Enter submits their own form instead (save a key, add).
  const onKeydown = (event: KeyboardEvent) => {
    const target = event.target;
    if (
      event.key !== 'Enter' ||
      !(target instanceof HTMLElement) ||
      !body.node.contains(target) ||
      !(
        target instanceof HTMLInputElement ||
        target instanceof HTMLSelectElement
      )
    ) {
      return;
    }
    event.stopPropagation();
    if (event.isComposing || event.keyCode === 229) {
      return; // an IME (e.g. pinyin) is picking a candidate
    }
    event.preventDefault();
    if (target instanceof HTMLInputElement) {
      target.form?.requestSubmit();
    }
  };
  window.addEventListener('keydown', onKeydown, true);
  try {
    await showDialog({
      title: trans.__('Language model providers'),
      body,
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
  } finally {
    window.removeEventListener('keydown', onKeydown, true);
  }
}
