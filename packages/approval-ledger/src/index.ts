export * from './approval-id.ts';
export * from './approval-ledger.ts';
export * from './approval-migrations.ts';
export * from './approval-schemas.ts';
