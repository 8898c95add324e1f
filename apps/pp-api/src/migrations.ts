import { approvalLedgerMigrations } from '@delta/approval-ledger';
import { composeMigrations, loadMigrations, type Migration } from '@delta/server-kit';
import { vaultMigrations } from '@delta/vault';

/** PP's schema: the shared vault and approval ledger tables, then PP's own. */
export function ppMigrations(ownDir: string): Migration[] {
  return composeMigrations(vaultMigrations(), approvalLedgerMigrations(), loadMigrations(ownDir, 'pp-api'));
}
