export * from './bundle-keys.ts';
export * from './credential-bundle.ts';
export * from './credential-store.ts';
export * from './envelope.ts';
export * from './exchange-credential.ts';
export * from './ids.ts';
export * from './master-keyring.ts';
export * from './vault-migrations.ts';
