export * from './identity-assertion.ts';
export * from './jwks.ts';
export * from './jwt.ts';
export * from './keys.ts';
export * from './replay-cache.ts';
export * from './request-binding.ts';
export * from './tokens.ts';
