import { approvalLedgerMigrations } from '@delta/approval-ledger';
import { composeMigrations, loadMigrations, type Migration } from '@delta/server-kit';
import { vaultMigrations } from '@delta/vault';

/** CP's schema: the shared vault and approval ledger tables (the portal core), then CP's own. */
export function cpMigrations(ownDir: string): Migration[] {
  return composeMigrations(vaultMigrations(), approvalLedgerMigrations(), loadMigrations(ownDir, 'cp-api'));
}
