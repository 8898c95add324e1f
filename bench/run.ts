/**
 * `npm run bench [-- name-filter]`: runs every bench/cases/*.bench.ts, prints each measurement next to the
 * baseline measured in the same run, and writes docs/benchmarks.md. Ratios, not absolute times, are the result:
 * the machine's speed cancels out.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchCase, type Comparison, createHarness, type Note } from './harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(join(here, 'cases'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const comparisons: Comparison[] = [];
const notes: Note[] = [];
const ran: BenchCase[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, 'cases', file)).href)) as { default: BenchCase };
  const c = mod.default;
  process.stdout.write(`\n## ${c.name} — ${c.description}\n`);
  await c.run(createHarness(c.name, comparisons, notes));
  ran.push(c);
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const lines: string[] = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  'Each subject is measured next to its baseline in the same run; the ratios are the result (lower p50/p99 ratio and higher throughput ratio are better).',
  '',
  '| case | subject | baseline | c | p50 ms (subject / baseline) | p99 ms (subject / baseline) | throughput/s (subject / baseline) | p50 × | p99 × | throughput × | target |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const c of comparisons) {
  lines.push(
    `| ${c.case} | ${c.subject.label} | ${c.baseline.label} | ${c.subject.concurrency} | ${fmt(c.subject.p50_ms, 3)} / ${fmt(c.baseline.p50_ms, 3)} | ${fmt(c.subject.p99_ms, 3)} / ${fmt(c.baseline.p99_ms, 3)} | ${fmt(c.subject.throughput_per_s, 0)} / ${fmt(c.baseline.throughput_per_s, 0)} | ${fmt(c.p50_ratio)} | ${fmt(c.p99_ratio)} | ${fmt(c.throughput_ratio)} | ${c.target ? `${c.target}: ${c.met ? 'met' : '**not met**'}` : ''} |`,
  );
}
if (notes.length) {
  lines.push('', '## Other results', '');
  for (const n of notes) lines.push(`- **${n.case}**: ${n.text}`);
}
lines.push('', '## Cases', '');
for (const c of ran) lines.push(`- **${c.name}**: ${c.description}`);
if (!filter) {
  const out = join(here, '..', 'docs', 'benchmarks.md');
  writeFileSync(out, `${lines.join('\n')}\n`);
  // Aligned the way the linter wants it, so a fresh result never turns CI red.
  execFileSync(join(here, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', out], {
    stdio: 'ignore',
  });
  process.stdout.write('\nwrote docs/benchmarks.md\n');
}
process.exit(0);
