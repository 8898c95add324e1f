import { useMe } from '../api/queries.ts';
import { FactorSetup } from '../components/FactorSetup.tsx';
import { href } from '../lib/route.ts';

/** Right after sign-up: add a passkey (or an authenticator app) before anything else. */
export function SecurePage() {
  const me = useMe();
  const done = Boolean(me.data && (me.data.factors.passkeys > 0 || me.data.factors.totp));
  return (
    <>
      <h1>Secure your account</h1>
      <p>You will use this to sign in and to approve every trade.</p>
      <FactorSetup />
      {done ? (
        <a className="button primary big" href={href('keys')}>
          Continue: connect your exchange keys
        </a>
      ) : null}
    </>
  );
}
