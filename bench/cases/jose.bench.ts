import {
  createCipheriv,
  createDecipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import * as jose from 'jose';
import {
  createServiceTokenVerifier,
  ephemeralServiceKeys,
  publicJwks,
  signJwt,
  signServiceToken,
  verifyJwt,
} from '../../packages/service-auth/src/index.ts';
import {
  ExchangeCredential,
  exportKeyJwk,
  generateEncryptionKeyPair,
  issueCredentialBundle,
  newCredentialRef,
  openCredentialBundle,
} from '../../packages/vault/src/index.ts';
import type { BenchCase } from '../harness.ts';

/**
 * The JOSE an approved execution does, on the libraries it uses: fast-jwt (node:crypto) for the EdDSA JWTs,
 * measured against jose doing the same; jose (WebCrypto) for the ECDH-ES+A256KW/A256GCM JWE, measured against
 * the bare OpenSSL primitives underneath it (the floor any implementation pays). Then the operations as the
 * path runs them (service tokens, credential bundles), and their sum per execution. The hand-written
 * @delta/compact-jose this replaced was measured against both in the same run (git history of this file;
 * figures in docs/decisions.md).
 */
export default {
  name: 'jose',
  description:
    'EdDSA JWT sign/verify (fast-jwt vs jose) and ECDH-ES+A256KW/A256GCM JWE encrypt/decrypt (jose vs the bare node:crypto primitives), and the JOSE of one approved execution',
  async run(h) {
    const ed = generateKeyPairSync('ed25519');
    const x = generateKeyPairSync('x25519');
    const pem = (k: KeyObject) =>
      k.type === 'private'
        ? (k.export({ type: 'pkcs8', format: 'pem' }) as string)
        : (k.export({ type: 'spki', format: 'pem' }) as string);
    // jose imports the same keys as CryptoKeys (what it uses in production).
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
    const measured = async (label: string, op: () => unknown, opts = options) => {
      const before = process.cpuUsage();
      const m = await h.measure(label, opts, async () => op());
      const cpu = process.cpuUsage(before);
      return { m, cpuUs: (cpu.user + cpu.system) / (opts.operations + (opts.warmup ?? 0)) };
    };
    const pair = async (
      what: string,
      subject: [string, () => unknown],
      baseline: [string, () => unknown],
    ) => {
      const s = await measured(`${subject[0]} ${what}`, subject[1]);
      const b = await measured(`${baseline[0]} ${what}`, baseline[1]);
      h.compare(s.m, b.m);
      h.note(
        `${what}: CPU per operation ${s.cpuUs.toFixed(0)} µs (${subject[0]}) vs ${b.cpuUs.toFixed(0)} µs (${baseline[0]})`,
      );
      return s.cpuUs;
    };

    const token = signJwt(claims(), ed.privateKey, 'k');
    await pair(
      'EdDSA JWT sign',
      ['fast-jwt', () => signJwt(claims(), ed.privateKey, 'k')],
      [
        'jose',
        () =>
          new jose.SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: 'k' }).sign(edPriv),
      ],
    );
    await pair(
      'EdDSA JWT verify',
      ['fast-jwt', () => verifyJwt(token, ed.publicKey, { issuer: 'pp', audience: 'plant-gateway' })],
      [
        'jose',
        () =>
          jose.jwtVerify(token, edPub, { issuer: 'pp', audience: 'plant-gateway', algorithms: ['EdDSA'] }),
      ],
    );

    // The floor: X25519 agreement, one SHA-256 round of the Concat KDF, AES key wrap, AES-256-GCM — the
    // primitives ECDH-ES+A256KW/A256GCM is made of, without the JOSE framing.
    const kwIv = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
    const otherInfo = randomBytes(30);
    const floorEncrypt = () => {
      const eph = generateKeyPairSync('x25519');
      const z = diffieHellman({ privateKey: eph.privateKey, publicKey: x.publicKey });
      const kek = createHash('sha256')
        .update(Buffer.from([0, 0, 0, 1]))
        .update(z)
        .update(otherInfo)
        .digest();
      const cek = randomBytes(32);
      const wrap = createCipheriv('id-aes256-wrap', kek, kwIv);
      const ek = Buffer.concat([wrap.update(cek), wrap.final()]);
      const iv = randomBytes(12);
      const gcm = createCipheriv('aes-256-gcm', cek, iv);
      const ct = Buffer.concat([gcm.update(token), gcm.final()]);
      return { epk: eph.publicKey, ek, iv, ct, tag: gcm.getAuthTag() };
    };
    const sealed = floorEncrypt();
    const floorDecrypt = () => {
      const z = diffieHellman({ privateKey: x.privateKey, publicKey: sealed.epk });
      const kek = createHash('sha256')
        .update(Buffer.from([0, 0, 0, 1]))
        .update(z)
        .update(otherInfo)
        .digest();
      const unwrap = createDecipheriv('id-aes256-wrap', kek, kwIv);
      const cek = Buffer.concat([unwrap.update(sealed.ek), unwrap.final()]);
      const gcm = createDecipheriv('aes-256-gcm', cek, sealed.iv);
      gcm.setAuthTag(sealed.tag);
      return Buffer.concat([gcm.update(sealed.ct), gcm.final()]);
    };
    const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(token))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(xPub);
    await pair(
      'ECDH-ES+A256KW encrypt',
      [
        'jose',
        () =>
          new jose.CompactEncrypt(new TextEncoder().encode(token))
            .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
            .encrypt(xPub),
      ],
      ['node:crypto primitives', floorEncrypt],
    );
    await pair(
      'ECDH-ES+A256KW decrypt',
      ['jose', () => jose.compactDecrypt(jwe, xPriv)],
      ['node:crypto primitives', floorDecrypt],
    );

    // As the path runs them: a service token (3 per execution) and a credential bundle (1), public functions.
    const pp = await ephemeralServiceKeys('pp');
    const verify = createServiceTokenVerifier({
      audience: 'plant-gateway',
      issuers: { pp: { jwks: publicJwks(pp) } },
    });
    const principal = { kind: 'ops', user_id: 'usr_1', role: 'operator' } as const;
    const serviceToken = () => signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal });
    const aToken = await serviceToken();
    const plant = await generateEncryptionKeyPair();
    const plantPublicJwk = await exportKeyJwk(plant.publicKey);
    const credential = new ExchangeCredential({
      api_key: 'BENCHKEY1234567',
      api_secret: 'BENCHSECRET1234567890ab',
    });
    const credentialRef = newCredentialRef('pp');
    const bundle = (jti?: string) =>
      issueCredentialBundle({
        credential,
        approvalId: 'apr_bench',
        credentialRef,
        audience: 'plant',
        plantPublicJwk,
        issuer: 'pp',
        issuerSigningKey: pp.signing.privateKey,
        ...(jti ? { jti } : {}),
      });
    const aBundle = (await bundle()).credential_bundle;
    const open = () =>
      openCredentialBundle(aBundle, {
        plantPrivateKey: plant.privateKey,
        issuerPublicKeys: { pp: pp.signing.publicJwk },
        expectedAudience: 'plant',
        expectedApprovalId: 'apr_bench',
        expectedCredentialRef: credentialRef,
      });
    const few = { concurrency: 1, operations: 1500, warmup: 150 };
    const cpu = {
      sign: (await measured('signServiceToken', serviceToken, few)).cpuUs,
      verify: (await measured('service token verifier', () => verify(aToken), few)).cpuUs,
      issue: (await measured('issueCredentialBundle', () => bundle(), few)).cpuUs,
      open: (await measured('openCredentialBundle', open, few)).cpuUs,
    };
    const total = 3 * (cpu.sign + cpu.verify) + cpu.issue + cpu.open;
    h.note(
      `per approved execution (3 service tokens signed and verified, 1 bundle issued and opened): ${(total / 1000).toFixed(2)} ms of CPU ` +
        `(token sign ${cpu.sign.toFixed(0)} µs, verify ${cpu.verify.toFixed(0)} µs, bundle issue ${cpu.issue.toFixed(0)} µs, open ${cpu.open.toFixed(0)} µs)`,
    );
  },
} satisfies BenchCase;
