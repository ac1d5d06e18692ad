// The identities kept in this browser: choose the one that signs, make a new one, register it on
// the ledger, import a key file from the CLI, export one for it, forget one. Keys never leave the
// page; what is exported is a file the holder saves.
import { inspectKeyFile, MAX_KEY_FILE_BYTES } from '@cinnabar/core';
import { useState } from 'preact/hooks';
import {
  createIdentity,
  exportKeyFile,
  importKeyFile,
  removeIdentity,
  setActiveIdentity,
  submit,
  useSession,
} from '../keys/session.js';
import { saveText } from './download.js';
import { Problem } from './problem.js';
import { t } from './strings.js';

function label(identity: { did: string; name?: string }): string {
  return identity.name ? `${identity.name} (${identity.did.slice(8, 20)}…)` : identity.did;
}

/** Filename-safe form of a name, for an exported key file. */
function fileStem(name: string | undefined, did: string): string {
  const stem = (name ?? '').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '');
  return stem || did.slice(8, 20);
}

export function IdentityPanel() {
  const session = useSession();
  const { active, identities } = session;
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();

  const act = async (what: string, work: () => Promise<string | undefined>) => {
    setBusy(what);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await work());
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(undefined);
    }
  };

  if (!session.ready) return <p aria-busy="true">{t('keysLoading')}</p>;
  return (
    <section class="panel identity-panel" aria-labelledby="identity-heading">
      <h2 id="identity-heading">{t('identityHeading')}</h2>
      {session.error ? <p role="alert">{t('keysUnavailable', { message: session.error })}</p> : null}
      {identities.length === 0 ? (
        <p>{t('noIdentity')}</p>
      ) : (
        <div class="field">
          <label for="active-identity">{t('activeIdentity')}</label>
          <select
            id="active-identity"
            value={active?.did ?? ''}
            onChange={(e) => setActiveIdentity((e.currentTarget as HTMLSelectElement).value)}
          >
            {active ? null : <option value="">{t('chooseIdentity')}</option>}
            {identities.map((identity) => (
              <option value={identity.did}>{label(identity)}</option>
            ))}
          </select>
        </div>
      )}
      {active ? (
        <dl class="facts">
          <dt>{t('did')}</dt>
          <dd>
            <code class="did" data-testid="active-did">
              {active.did}
            </code>
          </dd>
          <dt>{t('status')}</dt>
          <dd>{active.registered ? t('registered') : t('notRegistered')}</dd>
        </dl>
      ) : null}
      {active && !active.registered ? (
        <RegisterIdentityForm
          defaultName={active.name ?? ''}
          busy={busy === 'register'}
          onSubmit={(kind, name) =>
            act('register', async () => {
              const accepted = await submit('identity.register', { kind, name });
              return t('identityRegistered', { index: accepted.index });
            })
          }
        />
      ) : null}
      <CreateForm
        busy={busy === 'create'}
        onCreate={(name) =>
          act('create', async () => {
            const made = await createIdentity(name || undefined);
            return t('identityCreated', { did: made.did });
          })
        }
      />
      <ImportForm
        busy={busy === 'import'}
        onImport={(text, passphrase) =>
          act('import', async () => {
            const imported = await importKeyFile(text, passphrase);
            return t('identityImported', { did: imported.did });
          })
        }
      />
      {active ? (
        <ExportForm
          busy={busy === 'export'}
          onExport={(passphrase) =>
            act('export', async () => {
              const text = await exportKeyFile(active.did, passphrase || undefined);
              saveText(text, `${fileStem(active.name, active.did)}.key.json`);
              return passphrase ? t('exportedEncrypted') : t('exportedPlain');
            })
          }
          onRemove={() => {
            if (!confirm(t('removeConfirm', { did: active.did }))) return;
            void act('remove', async () => {
              await removeIdentity(active.did);
              return t('identityRemoved');
            });
          }}
        />
      ) : null}
      <div aria-live="polite">{done ? <p class="done">{done}</p> : null}</div>
      <Problem error={error} />
    </section>
  );
}

function RegisterIdentityForm(props: {
  defaultName: string;
  busy: boolean;
  onSubmit: (kind: 'person' | 'organization', name: string) => void;
}) {
  const [name, setName] = useState(props.defaultName);
  const [kind, setKind] = useState<'person' | 'organization'>('person');
  return (
    <form
      class="subform"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(kind, name.trim());
      }}
    >
      <h3>{t('registerIdentityHeading')}</h3>
      <p class="hint">{t('registerIdentityHint')}</p>
      <div class="field">
        <label for="identity-name">{t('identityName')}</label>
        <input
          id="identity-name"
          required
          maxLength={200}
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <fieldset class="choices">
        <legend>{t('identityKind')}</legend>
        {(['person', 'organization'] as const).map((k) => (
          <label>
            <input type="radio" name="identity-kind" checked={kind === k} onChange={() => setKind(k)} />{' '}
            {k === 'person' ? t('kindPerson') : t('kindOrganization')}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={props.busy}>
        {props.busy ? t('signing') : t('registerIdentity')}
      </button>
    </form>
  );
}

function CreateForm(props: { busy: boolean; onCreate: (name: string) => void }) {
  const [name, setName] = useState('');
  return (
    <details class="subform">
      <summary>{t('createHeading')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onCreate(name.trim());
          setName('');
        }}
      >
        <p class="hint">{t('createHint')}</p>
        <div class="field">
          <label for="new-identity-name">{t('keyLabel')}</label>
          <input
            id="new-identity-name"
            maxLength={200}
            value={name}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <button type="submit" disabled={props.busy}>
          {t('createKey')}
        </button>
      </form>
    </details>
  );
}

function ImportForm(props: { busy: boolean; onImport: (text: string, passphrase: string) => void }) {
  const [text, setText] = useState<string | undefined>();
  const [encrypted, setEncrypted] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [fileError, setFileError] = useState<unknown>();
  return (
    <details class="subform">
      <summary>{t('importHeading')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text !== undefined) props.onImport(text, passphrase);
          setPassphrase('');
        }}
      >
        <p class="hint">{t('importHint')}</p>
        <div class="field">
          <label for="import-key-file">{t('keyFile')}</label>
          <input
            id="import-key-file"
            type="file"
            accept=".json,application/json"
            onChange={async (e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              setFileError(undefined);
              setText(undefined);
              if (!file) return;
              try {
                if (file.size > MAX_KEY_FILE_BYTES) throw new Error(t('keyFileTooLarge'));
                const read = await file.text();
                setEncrypted(inspectKeyFile(read).encrypted);
                setText(read);
              } catch (cause) {
                setFileError(cause);
              }
            }}
          />
        </div>
        {encrypted ? (
          <div class="field">
            <label for="import-passphrase">{t('passphrase')}</label>
            <input
              id="import-passphrase"
              type="password"
              autocomplete="current-password"
              required
              value={passphrase}
              onInput={(e) => setPassphrase((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
        ) : null}
        <button type="submit" disabled={props.busy || text === undefined}>
          {props.busy ? t('opening') : t('importKey')}
        </button>
        <Problem error={fileError} />
      </form>
    </details>
  );
}

function ExportForm(props: { busy: boolean; onExport: (passphrase: string) => void; onRemove: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = passphrase !== again;
  return (
    <details class="subform">
      <summary>{t('exportHeading')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (mismatch) return;
          props.onExport(passphrase);
          setPassphrase('');
          setAgain('');
        }}
      >
        <p class="hint">{t('exportHint')}</p>
        <div class="field">
          <label for="export-passphrase">{t('exportPassphrase')}</label>
          <input
            id="export-passphrase"
            type="password"
            autocomplete="new-password"
            value={passphrase}
            onInput={(e) => setPassphrase((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="export-passphrase-again">{t('exportPassphraseAgain')}</label>
          <input
            id="export-passphrase-again"
            type="password"
            autocomplete="new-password"
            value={again}
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'export-mismatch' : undefined}
            onInput={(e) => setAgain((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        {mismatch ? (
          <p id="export-mismatch" class="hint bad">
            {t('passphrasesDiffer')}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" disabled={props.busy || mismatch}>
            {props.busy ? t('encrypting') : t('exportKey')}
          </button>
          <button type="button" class="danger" onClick={props.onRemove}>
            {t('removeKey')}
          </button>
        </div>
      </form>
    </details>
  );
}
