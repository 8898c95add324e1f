export * from './jwe.ts';
export * from './jws.ts';
export { type Curve, type KeyInput, type KeyKind, keyObject, type OkpJwk } from './keys.ts';
