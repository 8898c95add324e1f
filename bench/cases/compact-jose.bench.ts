import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { decryptCompact, encryptCompact, signJwt, verifyJwt } from '../../packages/compact-jose/src/index.ts';
import type { BenchCase } from '../harness.ts';

/**
 * The four JOSE operations an approved execution makes (service tokens, credential bundles): @delta/compact-jose
 * on node:crypto against jose on WebCrypto, same keys, same claims, one at a time.
 */
export default {
  name: 'compact-jose',
  description:
    'EdDSA JWT sign/verify and ECDH-ES+A256KW/A256GCM JWE encrypt/decrypt: @delta/compact-jose (node:crypto) vs jose (WebCrypto)',
  async run(h) {
    const ed = generateKeyPairSync('ed25519');
    const x = generateKeyPairSync('x25519');
    // jose imports the same keys as CryptoKeys (what it would use in production).
    const pem = (k: import('node:crypto').KeyObject) =>
      k.type === 'private'
        ? (k.export({ type: 'pkcs8', format: 'pem' }) as string)
        : (k.export({ type: 'spki', format: 'pem' }) as string);
    const [edPriv, xPriv] = await Promise.all([
      jose.importPKCS8(pem(ed.privateKey), 'EdDSA'),
      jose.importPKCS8(pem(x.privateKey), 'ECDH-ES+A256KW'),
    ]);
    const [edPub, xPub] = await Promise.all([
      jose.importSPKI(pem(ed.publicKey), 'EdDSA'),
      jose.importSPKI(pem(x.publicKey), 'ECDH-ES+A256KW'),
    ]);
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
    const pair = async (what: string, ours: () => unknown, theirs: () => unknown) => {
      const a = await measured(`compact-jose ${what}`, ours);
      const b = await measured(`jose ${what}`, theirs);
      h.compare(a.m, b.m, { text: 'p50 below jose', met: (c) => c.p50_ratio < 1 });
      h.note(
        `${what}: CPU per operation ${a.cpuUs.toFixed(0)} µs (compact-jose) vs ${b.cpuUs.toFixed(0)} µs (jose)`,
      );
    };

    const token = signJwt(claims(), { typ: 'JWT', kid: 'k' }, ed.privateKey);
    await pair(
      'EdDSA JWT sign',
      () => signJwt(claims(), { typ: 'JWT', kid: 'k' }, ed.privateKey),
      () =>
        new jose.SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: 'k' }).sign(edPriv),
    );
    await pair(
      'EdDSA JWT verify',
      () => verifyJwt(token, ed.publicKey, { issuer: 'pp', audience: 'plant-gateway' }),
      () => jose.jwtVerify(token, edPub, { issuer: 'pp', audience: 'plant-gateway', algorithms: ['EdDSA'] }),
    );
    const jwe = encryptCompact(token, x.publicKey, { cty: 'JWT' });
    await pair(
      'ECDH-ES+A256KW encrypt',
      () => encryptCompact(token, x.publicKey, { cty: 'JWT' }),
      () =>
        new jose.CompactEncrypt(new TextEncoder().encode(token))
          .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
          .encrypt(xPub),
    );
    await pair(
      'ECDH-ES+A256KW decrypt',
      () => decryptCompact(jwe, x.privateKey),
      () => jose.compactDecrypt(jwe, xPriv),
    );
  },
} satisfies BenchCase;
