/**
 * `npm start [-- --fresh]`: every service as its own process on embedded databases under .data/, a table of URLs
 * once all are ready, and a clean stop of all of them on Ctrl-C. A second start reuses .data/; --fresh wipes it.
 * Logs go to .data/logs/<service>.log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portsFromEnv, SERVICES } from './services.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataRoot = resolve(process.env.DATA_ROOT ?? join(root, '.data'));
const fresh = process.argv.includes('--fresh');
const ports = portsFromEnv();

if (fresh && existsSync(dataRoot)) {
  rmSync(dataRoot, { recursive: true, force: true });
  console.log(`--fresh: removed ${dataRoot}`);
}
mkdirSync(join(dataRoot, 'logs'), { recursive: true });

const children = new Map<string, ChildProcess>();
let stopping = false;

function serviceEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(ports[name]),
    DATA_ROOT: dataRoot,
    // Each service's own DATABASE_URL, if given as <SERVICE>_DATABASE_URL (e.g. PLANT_DATABASE_URL).
    DATABASE_URL: process.env[`${name.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`] ?? '',
    SUPERVISED: '1',
  };
  for (const s of SERVICES)
    env[`${s.name.toUpperCase().replace(/-/g, '_')}_URL`] = `http://127.0.0.1:${ports[s.name]}`;
  return env;
}

function startService(name: string, entry: string) {
  const log = createWriteStream(join(dataRoot, 'logs', `${name}.log`), { flags: 'a' });
  // Own process group: Ctrl-C reaches only this supervisor, which then stops each service in order. The
  // stdin pipe lets a service notice that the supervisor died (pipe closes) and stop itself.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: serviceEnv(name),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`\n${name} exited unexpectedly (${signal ?? `code ${code}`}). Last log lines:`);
      console.error(tail(join(dataRoot, 'logs', `${name}.log`)));
      void stopAll(1);
    }
  });
  children.set(name, child);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(name: string, timeoutMs = 90_000) {
  const url = `http://127.0.0.1:${ports[name]}/readyz`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!children.has(name)) throw new Error(`${name} stopped while starting`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} was not ready after ${timeoutMs / 1000} s (see .data/logs/${name}.log)`);
}

let stopped: Promise<never> | undefined;
function stopAll(code: number): Promise<never> {
  stopped ??= stopEverything(code);
  return stopped;
}

async function stopEverything(code: number): Promise<never> {
  stopping = true;
  const waits = [...children.entries()].reverse().map(
    ([name, child]) =>
      new Promise<void>((res) => {
        const kill = setTimeout(() => {
          console.error(`${name} did not stop in 10 s: killing it`);
          child.kill('SIGKILL');
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          res();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(waits);
  console.log('all services stopped');
  process.exit(code);
}

process.on('SIGINT', () => {
  console.log('\nstopping…');
  void stopAll(0);
});
process.on('SIGTERM', () => void stopAll(0));

try {
  for (const s of SERVICES) startService(s.name, s.entry);
  await Promise.all(SERVICES.map((s) => waitReady(s.name)));
} catch (err) {
  console.error(`start failed: ${(err as Error).message}`);
  await stopAll(1);
}

const rows = SERVICES.map((s) => [s.title, `http://127.0.0.1:${ports[s.name]}${s.openPath}`]);
const w = Math.max(...rows.map((r) => r[0]!.length));
console.log(
  `\nDelta futures trading agent platform is running (data: ${dataRoot}, logs: ${join(dataRoot, 'logs')})\n`,
);
for (const [title, url] of rows) console.log(`  ${title!.padEnd(w)}  ${url}`);
printDemoLogins();
console.log('\nPress Ctrl-C to stop everything.');

function printDemoLogins() {
  const dir = join(dataRoot, 'demo-logins');
  if (!existsSync(dir)) return;
  const lines: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    try {
      const entries = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, string>[];
      for (const e of entries)
        lines.push(
          `  ${Object.entries(e)
            .map(([k, v]) => `${k}: ${v}`)
            .join('   ')}`,
        );
    } catch {
      // a file being written right now: skip it
    }
  }
  if (lines.length)
    console.log(`\nDemo logins and keys (development only; stored in ${dir}):\n${lines.join('\n')}`);
}
