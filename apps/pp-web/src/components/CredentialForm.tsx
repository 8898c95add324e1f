import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { EXCHANGE_ENVIRONMENTS, type TExchangeEnvironment } from '../api/schemas.ts';

export interface CredentialInput {
  api_key: string;
  api_secret: string;
  label: string;
  environment: TExchangeEnvironment;
}

type Errors = Partial<Record<keyof CredentialInput, string>>;
const KEY_SHAPE = /^[\x21-\x7e]{8,256}$/;

export function validateCredential(v: CredentialInput, mode: 'store' | 'rotate'): Errors {
  const e: Errors = {};
  if (mode === 'store' && v.label.trim() === '') e.label = 'Give the account a label, e.g. "Main futures".';
  if (v.api_key.trim() === '') e.api_key = 'Paste the API key from Delta Exchange.';
  else if (!KEY_SHAPE.test(v.api_key.trim())) e.api_key = 'The key is 8–256 characters without spaces.';
  if (v.api_secret.trim() === '') e.api_secret = 'Paste the API secret.';
  else if (!KEY_SHAPE.test(v.api_secret.trim()))
    e.api_secret = 'The secret is 8–256 characters without spaces.';
  return e;
}

const ENV_LABEL: Record<TExchangeEnvironment, string> = {
  paper: 'Paper (simulated exchange)',
  'india-testnet': 'Delta India testnet',
  india: 'Delta India (real money)',
};

/**
 * Keys go from here to PP's vault and nowhere else. The secret field is a password input, never autofilled,
 * and both key inputs are emptied once submitted: after saving, only the masked key is ever shown.
 */
export function CredentialForm({
  mode,
  onSubmit,
  busy,
  disabledReason,
}: {
  mode: 'store' | 'rotate';
  onSubmit: (v: CredentialInput) => Promise<unknown>;
  busy: boolean;
  disabledReason?: string | undefined;
}) {
  const [v, setV] = useState<CredentialInput>({
    api_key: '',
    api_secret: '',
    label: '',
    environment: 'paper',
  });
  const [errors, setErrors] = useState<Errors>({});
  const set = (k: keyof CredentialInput) => (value: string) => setV((p) => ({ ...p, [k]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || disabledReason) return;
    const found = validateCredential(v, mode);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const sent = { ...v, api_key: v.api_key.trim(), api_secret: v.api_secret.trim(), label: v.label.trim() };
    // Clear the secret whatever happens next: it is never kept in the page longer than the request.
    setV((p) => ({ ...p, api_secret: '' }));
    try {
      await onSubmit(sent);
      setV((p) => ({ ...p, api_key: '', api_secret: '', label: '' }));
    } catch {
      // The caller shows the error; the operator re-enters the secret.
    }
  }

  const disabled = busy || Boolean(disabledReason);
  return (
    <form onSubmit={submit} noValidate aria-label={mode === 'store' ? 'Add exchange account' : 'Rotate keys'}>
      {mode === 'store' ? (
        <div className="row">
          <Field label="Label" error={errors.label}>
            {(a) => (
              <input {...a} value={v.label} onChange={(e) => set('label')(e.target.value)} maxLength={100} />
            )}
          </Field>
          <Field label="Environment">
            {(a) => (
              <select
                {...a}
                value={v.environment}
                onChange={(e) => set('environment')(e.target.value as TExchangeEnvironment)}
              >
                {EXCHANGE_ENVIRONMENTS.map((env) => (
                  <option key={env} value={env}>
                    {ENV_LABEL[env]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      ) : null}
      <div className="row">
        <Field label={mode === 'store' ? 'API key' : 'New API key'} error={errors.api_key}>
          {(a) => (
            <input
              {...a}
              value={v.api_key}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => set('api_key')(e.target.value)}
            />
          )}
        </Field>
        <Field label={mode === 'store' ? 'API secret' : 'New API secret'} error={errors.api_secret}>
          {(a) => (
            <input
              {...a}
              type="password"
              value={v.api_secret}
              autoComplete="new-password"
              spellCheck={false}
              onChange={(e) => set('api_secret')(e.target.value)}
            />
          )}
        </Field>
      </div>
      <button type="submit" disabled={disabled} title={disabledReason}>
        {busy
          ? 'Checking keys with the exchange…'
          : mode === 'store'
            ? 'Save keys to the vault'
            : 'Rotate keys'}
      </button>
      {disabledReason ? <p className="hint">{disabledReason}</p> : null}
    </form>
  );
}
