import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) per named group of processes, read from /proc (Linux; empty elsewhere). */
export function processCpuMs(
  groups: Record<string, (pid: number, comm: string) => boolean>,
): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(Object.keys(groups).map((g) => [g, 0]));
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return {};
  }
  for (const p of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 10 ms on Linux.
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    for (const [g, match] of Object.entries(groups)) if (match(Number(p), comm)) out[g] = (out[g] ?? 0) + ms;
  }
  return out;
}

/** Runs `work` and returns the CPU each group used meanwhile, per operation (ms). */
export async function cpuPerOperation(
  groups: Record<string, (pid: number, comm: string) => boolean>,
  operations: number,
  work: () => Promise<unknown>,
): Promise<Record<string, number>> {
  const before = processCpuMs(groups);
  await work();
  const after = processCpuMs(groups);
  return Object.fromEntries(
    Object.keys(after).map((g) => [g, ((after[g] ?? 0) - (before[g] ?? 0)) / operations]),
  );
}
