import { humanize } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { CONSENT_CHANNELS, type TConsentChannel } from '../api/schemas.ts';

export interface ConsentInput {
  channel: TConsentChannel;
  reference: string;
  note?: string;
}

type Errors = Partial<Record<'channel' | 'reference' | 'note', string>>;

export function validateConsent(channel: string, reference: string, note: string): Errors {
  const e: Errors = {};
  if (!(CONSENT_CHANNELS as readonly string[]).includes(channel))
    e.channel = 'Choose how the customer gave consent.';
  if (reference.trim() === '')
    e.reference = 'Enter a reference to the consent: call id, email subject, chat link or ticket.';
  else if (reference.trim().length > 200) e.reference = 'Keep the reference under 200 characters.';
  if (note.trim().length > 1000) e.note = 'Keep the note under 1000 characters.';
  return e;
}

/** The customer's consent for one exact draft plan; submitting it mints a single-use approval. */
export function ConsentForm({
  onSubmit,
  busy,
  disabledReason,
}: {
  onSubmit: (c: ConsentInput) => void;
  busy: boolean;
  disabledReason?: string | undefined;
}) {
  const [channel, setChannel] = useState('');
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || disabledReason) return;
    const found = validateConsent(channel, reference, note);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const n = note.trim();
    onSubmit({ channel: channel as TConsentChannel, reference: reference.trim(), ...(n ? { note: n } : {}) });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Customer consent">
      <div className="row">
        <Field label="Consent channel" error={errors.channel}>
          {(a) => (
            <select {...a} value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value="">Choose…</option>
              {CONSENT_CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {humanize(c)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Consent reference"
          error={errors.reference}
          hint="Where the consent can be found again, e.g. a call id or email subject."
        >
          {(a) => <input {...a} value={reference} onChange={(e) => setReference(e.target.value)} />}
        </Field>
      </div>
      <Field label="Note (optional)" error={errors.note}>
        {(a) => <textarea {...a} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <button type="submit" disabled={busy || Boolean(disabledReason)} title={disabledReason}>
        {busy ? 'Minting approval…' : 'Record consent and approve this plan'}
      </button>
      {disabledReason ? <p className="hint">{disabledReason}</p> : null}
    </form>
  );
}
