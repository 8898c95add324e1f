import { buildPath, casesFor, type FuzzCase } from './cases.ts';
import {
  type FuzzOperation,
  fetchOpenApi,
  listOperations,
  type OpenApiDocument,
  type Rng,
} from './openapi.ts';
import { checkAnswer, type ErrorShape, type FuzzAnswer, rawCases, send, sendRaw } from './send.ts';

export interface FuzzTarget {
  /** For reports, e.g. `pp-api (operator)`. */
  name: string;
  baseUrl: string;
  /** The document whose operations are fuzzed (by default the target's own /docs/json). */
  doc?: OpenApiDocument;
  /** Credentials for a case that asks for them (given the case, so a signature can cover the request). */
  auth?: (c: FuzzCase) => Record<string, string> | Promise<Record<string, string>>;
  /** Operations left out (e.g. logout, which would end the session being fuzzed). */
  skip?: (op: FuzzOperation) => boolean;
  /** The error shape a path must answer with (default problem+json everywhere). */
  shapeOf?: (path: string) => ErrorShape;
  /** Cases per operation (default 16). */
  budget?: number;
  /** Run after each case (e.g. undo a state change the case made). */
  afterCase?: (op: FuzzOperation, c: FuzzCase, answer: FuzzAnswer) => Promise<void>;
  /** Raw-socket cases too (default true). */
  raw?: boolean;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface FuzzViolation {
  target: string;
  request: string;
  label: string;
  problem: string;
}

export interface FuzzReport {
  requests: number;
  statuses: Record<number, number>;
  violations: FuzzViolation[];
}

/** Fuzzes every operation of a target; returns what broke the rules. */
export async function fuzzTarget(target: FuzzTarget, rng: Rng): Promise<FuzzReport> {
  const doc = target.doc ?? (await fetchOpenApi(target.baseUrl));
  const ops = listOperations(doc).filter((op) => !target.skip?.(op));
  const report: FuzzReport = { requests: 0, statuses: {}, violations: [] };
  const shapeOf = target.shapeOf ?? (() => 'problem' as const);
  const note = (request: string, label: string, answer: FuzzAnswer, shape: ErrorShape) => {
    report.requests++;
    report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
    const problem = answer.status === 0 ? `no answer (${answer.body})` : checkAnswer(answer, shape);
    if (problem) report.violations.push({ target: target.name, request, label, problem });
  };

  const jobs: (() => Promise<void>)[] = [];
  for (const op of ops) {
    for (const c of casesFor(op, rng, doc, target.budget ?? 16)) {
      jobs.push(async () => {
        const creds = c.badAuth ?? (c.auth && target.auth ? await target.auth(c) : {});
        const answer = await send(target.baseUrl, c, creds);
        note(`${c.method} ${c.url.slice(0, 160)}`, c.label, answer, shapeOf(c.url));
        await target.afterCase?.(op, c, answer);
      });
    }
  }
  // A fixed order per seed, but operations interleaved so state changes from one reach the others.
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  const concurrency = target.concurrency ?? 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );

  if (target.raw !== false) {
    const u = new URL(target.baseUrl);
    const sample = ops.find((op) => op.parameters.some((p) => p.in === 'path')) ?? ops[0];
    const samplePath = sample ? buildPath(sample, {}) : '/healthz';
    for (const rc of rawCases(u.host, samplePath)) {
      const answer = await sendRaw(target.baseUrl, rc.bytes);
      // A closed connection without an answer is acceptable for bytes that are not HTTP at all.
      if (answer.status === 0) {
        report.requests++;
        continue;
      }
      note(`raw ${rc.label}`, rc.label, answer, rc.routed ? shapeOf(samplePath) : 'problem');
    }
  }
  return report;
}

/** One line per distinct problem (same label and problem text), with a count, for failure messages. */
export function summarise(violations: FuzzViolation[], max = 60): string {
  const groups = new Map<string, { n: number; v: FuzzViolation }>();
  for (const v of violations) {
    const key = `${v.target}|${v.label}|${v.request.split('?')[0]}|${v.problem.slice(0, 80)}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, v });
  }
  return [...groups.values()]
    .slice(0, max)
    .map(({ n, v }) => `${n}× [${v.target}] ${v.request} (${v.label}): ${v.problem}`)
    .join('\n');
}
