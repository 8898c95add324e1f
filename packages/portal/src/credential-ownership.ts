import { AppError } from '@delta/server-kit';
import { credentialPrefix } from './portal-id.ts';
import type { Vault } from './vault.ts';

/**
 * A credential a hire, a setup or an approval may name: this portal's (`cred_<portal>_…`), existing, active and
 * the customer's own. Checked when the setup is saved and when an approval is minted, so a wrong reference is
 * refused with a field-level reason there — not discovered at execution, after the customer's approval was
 * consumed. Another customer's credential is reported exactly like a missing one (no tenant learns of another's
 * keys).
 */
export async function assertCredentialUsable(
  vault: Vault,
  credentialRef: string,
  customerId: string,
  field: string,
): Promise<void> {
  const refuse = (code: string, message: string) =>
    AppError.validation([{ path: field, code, message }], `The exchange account in ${field} cannot be used.`);
  if (!credentialRef.startsWith(credentialPrefix(vault.portal))) {
    throw refuse(
      'credential_not_this_portal',
      vault.portal === 'pp'
        ? 'This exchange account is kept by another portal; the ops portal can only use the accounts it stores.'
        : 'This exchange account is kept by another portal; connect it here to use it.',
    );
  }
  const meta = await vault.store.getMetadata(credentialRef, { customerId });
  if (!meta) {
    throw refuse('credential_not_found', 'No exchange account with this reference belongs to this customer.');
  }
  if (meta.state !== 'active') {
    throw refuse('credential_revoked', 'This exchange account was revoked; connect or choose an active one.');
  }
}
