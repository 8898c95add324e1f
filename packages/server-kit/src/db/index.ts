export * from './batch-insert.ts';
export * from './errors.ts';
export * from './filters.ts';
export * from './migrations.ts';
export * from './open.ts';
export * from './types.ts';
