// The detector moved to server-kit, so every service's logs redact by the same rules the firewall refuses by.
export { isIdentifierName, isKeyMaterialName, looksLikeSecret } from '@delta/server-kit';
