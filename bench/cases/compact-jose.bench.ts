import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import * as jose from 'jose';
import { decryptCompact, encryptCompact, signJwt, verifyJwt } from '../../packages/compact-jose/src/index.ts';
import type { BenchCase } from '../harness.ts';

/**
 * The four JOSE operations an approved execution makes (service tokens, credential bundles): @delta/compact-jose
 * on node:crypto is the baseline, measured in the same run as the maintained libraries that would replace it —
 * fast-jwt (node:crypto, synchronous) for the JWS and jose (WebCrypto) for both.
 */
export default {
  name: 'compact-jose',
  description:
    'EdDSA JWT sign/verify and ECDH-ES+A256KW/A256GCM JWE encrypt/decrypt: fast-jwt and jose against @delta/compact-jose (node:crypto)',
  async run(h) {
    const ed = generateKeyPairSync('ed25519');
    const x = generateKeyPairSync('x25519');
    const pem = (k: KeyObject) =>
      k.type === 'private'
        ? (k.export({ type: 'pkcs8', format: 'pem' }) as string)
        : (k.export({ type: 'spki', format: 'pem' }) as string);
    // jose imports the same keys as CryptoKeys (what it would use in production).
    const [edPriv, xPriv] = await Promise.all([
      jose.importPKCS8(pem(ed.privateKey), 'EdDSA'),
      jose.importPKCS8(pem(x.privateKey), 'ECDH-ES+A256KW'),
    ]);
    const [edPub, xPub] = await Promise.all([
      jose.importSPKI(pem(ed.publicKey), 'EdDSA'),
      jose.importSPKI(pem(x.publicKey), 'ECDH-ES+A256KW'),
    ]);
    // fast-jwt takes PEM and prepares the KeyObject once per signer/verifier: made once, as a caller would.
    const fastSign = createSigner({ key: pem(ed.privateKey), algorithm: 'EdDSA', kid: 'k' });
    const fastVerify = createVerifier({
      key: pem(ed.publicKey),
      algorithms: ['EdDSA'],
      allowedIss: 'pp',
      allowedAud: 'plant-gateway',
      requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti'],
      complete: true,
      cache: false,
    });
    const claims = () => {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: 'pp',
        aud: 'plant-gateway',
        sub: 'user-1',
        iat: now,
        exp: now + 30,
        jti: crypto.randomUUID(),
        principal: { kind: 'ops', user_id: 'user-1', role: 'operator' },
      };
    };
    const options = { concurrency: 1, operations: 3000, warmup: 300 };
    // WebCrypto works on the thread pool, so jose's wall time hides part of its cost: the CPU the whole process
    // spent per operation (all threads) is noted next to each comparison.
    const measured = async (label: string, op: () => unknown) => {
      const before = process.cpuUsage();
      const m = await h.measure(label, options, async () => op());
      const cpu = process.cpuUsage(before);
      return { m, cpuUs: (cpu.user + cpu.system) / (options.operations + options.warmup) };
    };
    const compare = async (what: string, subjects: Record<string, () => unknown>, ours: () => unknown) => {
      const base = await measured(`compact-jose ${what}`, ours);
      const cpu = [`${base.cpuUs.toFixed(0)} µs (compact-jose)`];
      for (const [lib, op] of Object.entries(subjects)) {
        const s = await measured(`${lib} ${what}`, op);
        h.compare(s.m, base.m);
        cpu.push(`${s.cpuUs.toFixed(0)} µs (${lib})`);
      }
      h.note(`${what}: CPU per operation ${cpu.join(', ')}`);
    };

    const token = signJwt(claims(), { typ: 'JWT', kid: 'k' }, ed.privateKey);
    await compare(
      'EdDSA JWT sign',
      {
        'fast-jwt': () => fastSign(claims()),
        jose: () =>
          new jose.SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: 'k' }).sign(edPriv),
      },
      () => signJwt(claims(), { typ: 'JWT', kid: 'k' }, ed.privateKey),
    );
    await compare(
      'EdDSA JWT verify',
      {
        'fast-jwt': () => fastVerify(token),
        jose: () =>
          jose.jwtVerify(token, edPub, { issuer: 'pp', audience: 'plant-gateway', algorithms: ['EdDSA'] }),
      },
      () => verifyJwt(token, ed.publicKey, { issuer: 'pp', audience: 'plant-gateway' }),
    );
    const jwe = encryptCompact(token, x.publicKey, { cty: 'JWT' });
    await compare(
      'ECDH-ES+A256KW encrypt',
      {
        jose: () =>
          new jose.CompactEncrypt(new TextEncoder().encode(token))
            .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
            .encrypt(xPub),
      },
      () => encryptCompact(token, x.publicKey, { cty: 'JWT' }),
    );
    await compare('ECDH-ES+A256KW decrypt', { jose: () => jose.compactDecrypt(jwe, xPriv) }, () =>
      decryptCompact(jwe, x.privateKey),
    );
  },
} satisfies BenchCase;
