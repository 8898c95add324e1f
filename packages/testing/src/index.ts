export * from './database.ts';
export * from './fuzz.ts';
export * from './holding-proxy.ts';
export * from './ids.ts';
export * from './log-capture.ts';
export * from './ports.ts';
export * from './webauthn-authenticator.ts';
