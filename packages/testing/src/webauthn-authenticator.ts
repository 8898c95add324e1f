import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests — test tooling, not production cryptography. It holds one ES256
 * (P-256) key per credential and answers navigator.credentials.create()/get() the way a browser would hand the
 * result to a server: a registration with attestation `none` (CBOR attestation object, COSE public key) and
 * assertions signed over authenticatorData ‖ SHA-256(clientDataJSON), with a signature counter. Knobs let a test
 * produce what a real authenticator would not (no user verification, a counter that does not advance, another
 * origin, a tampered signature).
 */

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | Cbor[];

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** A minimal CBOR encoder: integers, byte and text strings, arrays and maps (all WebAuthn needs here). */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: Buffer;
  rpId: string;
  counter: number;
}

export interface AuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** Whether the authenticator keeps a signature counter (synced passkeys send 0 every time). */
  counter?: boolean;
}

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];
  constructor(readonly o: AuthenticatorOptions) {}

  /** navigator.credentials.create() with the server's options (PublicKeyCredentialCreationOptionsJSON). */
  register(
    options: { challenge: string; rp: { id?: string }; user: { id: string } },
    knobs: { userVerified?: boolean; origin?: string } = {},
  ) {
    const rpId = options.rp.id ?? new URL(this.o.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cred: SoftCredential = {
      id: randomBytes(32),
      privateKey,
      publicKey,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      rpId,
      counter: 0,
    };
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(cred.id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([FLAG_UP | FLAG_AT | (knobs.userVerified === false ? 0 : FLAG_UV)]),
      Buffer.alloc(4),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      cred.id,
      cose,
    ]);
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientData = JSON.stringify({
      type: 'webauthn.create',
      challenge: options.challenge,
      origin: knobs.origin ?? this.o.origin,
      crossOrigin: false,
    });
    this.credentials.push(cred);
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(Buffer.from(clientData)),
        attestationObject: b64url(attestationObject),
        transports: ['internal' as const],
      },
    };
  }

  /** navigator.credentials.get() with the server's options (PublicKeyCredentialRequestOptionsJSON). */
  assert(
    options: { challenge: string; rpId?: string; allowCredentials?: { id: string }[] },
    knobs: {
      credential?: SoftCredential;
      userVerified?: boolean;
      origin?: string;
      /** Sign with this counter instead of advancing it (a clone, a replay). */
      counter?: number;
      tamper?: boolean;
    } = {},
  ) {
    const allowed = options.allowCredentials?.map((c) => c.id) ?? [];
    const cred =
      knobs.credential ??
      this.credentials.find((c) => allowed.length === 0 || allowed.includes(b64url(c.id))) ??
      this.credentials[0];
    if (!cred) throw new Error('the software authenticator holds no credential');
    const keepsCounter = this.o.counter !== false;
    const counter = knobs.counter ?? (keepsCounter ? ++cred.counter : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authData = Buffer.concat([
      sha256(options.rpId ?? cred.rpId),
      Buffer.from([FLAG_UP | (knobs.userVerified === false ? 0 : FLAG_UV)]),
      count,
    ]);
    const clientData = Buffer.from(
      JSON.stringify({
        type: 'webauthn.get',
        challenge: options.challenge,
        origin: knobs.origin ?? this.o.origin,
        crossOrigin: false,
      }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), cred.privateKey);
    if (knobs.tamper)
      signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 0x01, signature.length - 1);
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: b64url(cred.userHandle),
      },
    };
  }
}
