import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Operations in flight at once. */
  concurrency: number;
  /** Operations measured (after warm-up). */
  operations: number;
  /** Operations run first and thrown away (JIT, connection pools, caches). Default: min(200, operations/5). */
  warmup?: number;
}

export interface Measurement {
  label: string;
  concurrency: number;
  operations: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  throughput_per_s: number;
}

export interface Comparison {
  case: string;
  subject: Measurement;
  baseline: Measurement;
  /** subject.p50 / baseline.p50 (lower is better). */
  p50_ratio: number;
  p99_ratio: number;
  /** subject throughput / baseline throughput (higher is better). */
  throughput_ratio: number;
  target?: string;
  met?: boolean;
}

export interface Note {
  case: string;
  text: string;
}

export interface BenchHarness {
  /** Runs `op` `operations` times, `concurrency` at once, and returns latency percentiles and throughput. */
  measure(label: string, options: MeasureOptions, op: () => Promise<unknown>): Promise<Measurement>;
  /** Records subject against a baseline measured in the same run; `target` and `met` are reported as given. */
  compare(
    subject: Measurement,
    baseline: Measurement,
    target?: { text: string; met: (c: Comparison) => boolean },
  ): void;
  /** A free-form result line (e.g. bundle sizes). */
  note(text: string): void;
}

/** A benchmark case: bench/cases/<name>.bench.ts default-exports one. */
export interface BenchCase {
  name: string;
  description: string;
  run(h: BenchHarness): Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

async function runOps(count: number, concurrency: number, op: () => Promise<unknown>, latencies?: number[]) {
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      try {
        await op();
      } catch {
        errors++;
      }
      latencies?.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return errors;
}

export function createHarness(caseName: string, comparisons: Comparison[], notes: Note[]): BenchHarness {
  return {
    async measure(label, options, op) {
      const warmup = options.warmup ?? Math.min(200, Math.floor(options.operations / 5));
      await runOps(warmup, options.concurrency, op);
      const latencies: number[] = [];
      const t0 = performance.now();
      const errors = await runOps(options.operations, options.concurrency, op, latencies);
      const elapsed = (performance.now() - t0) / 1000;
      latencies.sort((a, b) => a - b);
      const m: Measurement = {
        label,
        concurrency: options.concurrency,
        operations: options.operations,
        errors,
        p50_ms: percentile(latencies, 50),
        p99_ms: percentile(latencies, 99),
        throughput_per_s: options.operations / elapsed,
      };
      process.stdout.write(
        `  ${label} (c=${m.concurrency}, n=${m.operations}): p50 ${m.p50_ms.toFixed(3)} ms, p99 ${m.p99_ms.toFixed(3)} ms, ${m.throughput_per_s.toFixed(0)}/s${errors ? `, ${errors} errors` : ''}\n`,
      );
      return m;
    },
    compare(subject, baseline, target) {
      const c: Comparison = {
        case: caseName,
        subject,
        baseline,
        p50_ratio: subject.p50_ms / baseline.p50_ms,
        p99_ratio: subject.p99_ms / baseline.p99_ms,
        throughput_ratio: subject.throughput_per_s / baseline.throughput_per_s,
      };
      if (target) {
        c.target = target.text;
        c.met = target.met(c);
      }
      comparisons.push(c);
      process.stdout.write(
        `  → ${subject.label} vs ${baseline.label}: p50 ×${c.p50_ratio.toFixed(2)}, p99 ×${c.p99_ratio.toFixed(2)}, throughput ×${c.throughput_ratio.toFixed(2)}${c.target ? ` — target ${c.target}: ${c.met ? 'met' : 'NOT met'}` : ''}\n`,
      );
    },
    note(text) {
      notes.push({ case: caseName, text });
      process.stdout.write(`  ${text}\n`);
    },
  };
}
