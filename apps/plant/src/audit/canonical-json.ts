// The canonical encoding lives with the audit chain it serves (@delta/audit-chain); the intent hash uses it too.
export { canonicalJson, sha256Hex } from '@delta/audit-chain';
