// The portals' one password helper (argon2id) lives in the portal core, shared with CP.
export { dummyHash, hashPassword, verifyPassword, ZPasswordRule } from '@delta/portal';
