import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUNDLE_REFUSAL_REASONS,
  CONSUME_REFUSAL_REASONS,
  isPolicyRefusalCode,
  isRefusalCode,
  REFUSAL_REASONS,
  refusalStatus,
} from '@delta/contracts';
import { describe, expect, it } from 'vitest';

/**
 * Every reason a service answers with is in the shared catalogue (REFUSAL_REASONS), with the status it answers
 * it with. Most of that is the type checker's work (a Refusal, a problem() and a trading hook's denial take only a
 * catalogue code); this reads the sources for what the types cannot see: the framework's own answers, the hook
 * bus's, and the vault's reasons for a bundle that does not open (Plant passes those on).
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Every service of ours and the packages they answer through (not the paper exchange: it speaks Delta's errors). */
const SERVICES = [
  'apps/plant/src',
  'apps/plant-gateway/src',
  'apps/pp-api/src',
  'apps/cp-api/src',
  'packages/portal/src',
  'packages/server-kit/src',
  'packages/service-auth/src',
  'packages/approval-ledger/src',
  'packages/vault/src',
];

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(join(ROOT, dir, f), 'utf8') }));
}

const STATUS_OF = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  tooManyRequests: 429,
} as const;

/** [file, code, the status written next to it (if any)] for every refusal code literal in the sources. */
function codesIn(dirs: string[]): [string, string, number | undefined][] {
  const found: [string, string, number | undefined][] = [];
  for (const { file, text } of dirs.flatMap(sources)) {
    const add = (re: RegExp, status: (m: RegExpMatchArray) => number | undefined, code = 1) => {
      for (const m of text.matchAll(re)) found.push([file, m[code]!, status(m)]);
    };
    add(/new Refusal\(\s*'([a-z_]+)'/g, () => undefined);
    add(/Refusal\.denied\(\s*'([a-z_]+)'/g, () => undefined);
    add(/\bproblem\(\s*'([a-z_]+)'/g, () => undefined);
    add(/new AppError\(\s*(\d{3}),\s*'([a-z_]+)'/g, (m) => Number(m[1]), 2);
    add(
      /AppError\.(badRequest|unauthorized|forbidden|notFound|conflict|tooManyRequests)\(\s*'([a-z_]+)'/g,
      (m) => STATUS_OF[m[1] as keyof typeof STATUS_OF],
      2,
    );
    add(/\[(\d{3}),\s*'([a-z_]+)'/g, (m) => Number(m[1]), 2);
    add(/\bdeny\(\s*'([a-z_]+)'/g, () => 403);
    add(/\brefuse\((\d{3}),\s*'([a-z_]+)'/g, (m) => Number(m[1]), 2);
  }
  return found;
}

describe('the refusal catalogue', () => {
  const plant = codesIn(['apps/plant/src', 'packages/server-kit/src']);
  const all = codesIn(SERVICES);

  it('knows every reason a service (and the framework it runs on) answers with, at the status it answers', () => {
    expect(all.length).toBeGreaterThan(80); // the sources were read
    for (const [file, code, status] of all) {
      expect(isRefusalCode(code), `${file}: ${code} is not in REFUSAL_REASONS`).toBe(true);
      // A 500 is the service's own fault whatever its reason (a misconfigured call): only refusals have a status.
      if (status !== undefined && status !== 500 && isRefusalCode(code)) {
        const hookBus = file.endsWith('hook-bus.ts');
        expect(refusalStatus(code, hookBus), `${file}: ${code} is answered ${status}`).toBe(status);
      }
    }
  });

  it("takes the hook bus's own denials as policy denials (403)", () => {
    const bus = plant.filter(([file]) => file.endsWith('hook-bus.ts')).map(([, code]) => code);
    expect(bus.sort()).toEqual([
      'action_not_allowlisted',
      'hook_error',
      'hook_error',
      'no_hook_covers_action',
    ]);
    for (const code of bus) expect(isPolicyRefusalCode(code) && refusalStatus(code, true)).toBe(403);
  });

  it("passes on the portals' reasons and the vault's only as catalogued refusals", () => {
    // The ledger's reasons reach the caller as the approval hook's denial; the vault's as the executor's refusal.
    for (const code of CONSUME_REFUSAL_REASONS) expect(refusalStatus(code, true), code).toBe(403);
    // The vault's own reasons keep their catalogue status (a key it does not have is a 404).
    for (const code of BUNDLE_REFUSAL_REASONS) expect([403, 404], code).toContain(refusalStatus(code));
    // A bundle that does not open: the vault's reason (403), or bundle_invalid for any other.
    const vault = codesIn(['packages/vault/src']).filter(
      ([file, code, status]) =>
        file.endsWith('credential-bundle.ts') && code.startsWith('bundle_') && status === 403,
    );
    expect(vault.length).toBeGreaterThan(5);
    for (const [, code] of vault) expect(isRefusalCode(code) && REFUSAL_REASONS[code].status, code).toBe(403);
  });

  it('gives every refusal words for the person who asked, and a status that says what to do', () => {
    for (const [code, entry] of Object.entries(REFUSAL_REASONS)) {
      expect(entry.title.length, code).toBeGreaterThan(10);
      expect(entry.next.length, code).toBeGreaterThan(10);
      expect([400, 401, 403, 404, 408, 409, 413, 414, 415, 422, 429, 431, 500, 502, 503, 504]).toContain(
        entry.status,
      );
    }
    // Plant answers exchange_unavailable only when nothing was sent: a 503, never the 502 of an unknown outcome.
    expect(REFUSAL_REASONS.exchange_unavailable.status).toBe(503);
  });
});
