import { fileURLToPath } from 'node:url';
import { loadMigrations, type Migration } from '@delta/server-kit';

export const APPROVAL_LEDGER_MIGRATION_SOURCE = 'approval-ledger';

/** The `approvals` table, for a portal service's `sharedMigrations`. */
export function approvalLedgerMigrations(): Migration[] {
  return loadMigrations(
    fileURLToPath(new URL('../migrations', import.meta.url)),
    APPROVAL_LEDGER_MIGRATION_SOURCE,
  );
}
