/**
 * `npm start [-- --fresh]`: every service as its own process on embedded databases under .data/, a table of URLs
 * once all are ready, and a clean stop of all of them on Ctrl-C. A second start reuses .data/; --fresh wipes it.
 * Logs go to .data/logs/<service>.log.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoCpLogin } from './demo-cp-login.ts';
import { hostsFromEnv, portsFromEnv, SERVICES } from './services.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataRoot = resolve(process.env.DATA_ROOT ?? join(root, '.data'));
const fresh = process.argv.includes('--fresh');
const ports = portsFromEnv();
const hosts = hostsFromEnv();

if (fresh && existsSync(dataRoot)) {
  rmSync(dataRoot, { recursive: true, force: true });
  console.log(`--fresh: removed ${dataRoot}`);
}
mkdirSync(join(dataRoot, 'logs'), { recursive: true });

buildWebIfStale('pp-web', 'PP');
buildWebIfStale('cp-web', 'CP');
const paperDemo = demoExchangeKey();

const children = new Map<string, ChildProcess>();
let stopping = false;

function serviceEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(ports[name]),
    // 127.0.0.1 unless <SERVICE>_HOST (or HOST, Plant excepted) opens it on purpose.
    HOST: hosts[name],
    DATA_ROOT: dataRoot,
    // Each service's own DATABASE_URL, if given as <SERVICE>_DATABASE_URL (e.g. PLANT_DATABASE_URL).
    DATABASE_URL: process.env[`${prefixOf(name)}_DATABASE_URL`] ?? '',
    SUPERVISED: '1',
    // Demo data for a local run: PP demo users and a funded paper-exchange key, printed in the table.
    DEMO_SEED: process.env.DEMO_SEED ?? 'true',
    PAPER_MODE: 'true',
  };
  // Where each service finds the others (URLs and public keys), consistent with the chosen ports.
  for (const s of SERVICES) {
    const base = `http://127.0.0.1:${ports[s.name]}`;
    env[`${prefixOf(s.name)}_URL`] = base;
    env[`${prefixOf(s.name)}_JWKS_URL`] = `${base}/.well-known/jwks.json`;
  }
  env.PP_JWKS_URL = env.PP_API_JWKS_URL;
  env.CP_JWKS_URL = env.CP_API_JWKS_URL;
  env.GATEWAY_JWKS_URL = env.PLANT_GATEWAY_JWKS_URL;
  // Where browsers open CP: PP's invitation links and CP's WebAuthn origin (passkeys need a host name, not an IP).
  env.CP_PUBLIC_URL = process.env.CP_PUBLIC_URL ?? `http://localhost:${ports['cp-api']}`;
  if (name === 'paper-exchange') {
    env.PAPER_API_KEY = paperDemo.api_key;
    env.PAPER_API_SECRET = paperDemo.api_secret;
  }
  return env;
}

function prefixOf(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
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

/** A portal's web app is built by Vite into apps/<app>/dist; rebuilt when any of its sources is newer. */
function buildWebIfStale(app: string, portal: string) {
  const web = join(root, 'apps', app);
  const built = join(web, 'dist', 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  const sources = [join(web, 'src'), join(web, 'public'), join(root, 'packages', 'web-ui', 'src')];
  const sourcesAt = Math.max(
    ...sources.filter((d) => existsSync(d)).map(newest),
    statSync(join(web, 'index.html')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesAt) return;
  console.log(`building the ${portal} web app (vite)…`);
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) {
    console.error(`the ${portal} web app failed to build`);
    process.exit(1);
  }
}

/** A funded paper-exchange key for trying the runbook, made once and kept in .data/demo-logins/paper.json. */
function demoExchangeKey(): { api_key: string; api_secret: string } {
  const dir = join(dataRoot, 'demo-logins');
  const file = join(dir, 'paper-exchange.json');
  if (existsSync(file)) {
    const [entry] = JSON.parse(readFileSync(file, 'utf8')) as { api_key: string; api_secret: string }[];
    if (entry) return entry;
  }
  const entry = {
    portal: 'paper exchange key (10,000 USD, trading)',
    api_key: randomBytes(15).toString('hex'),
    api_secret: randomBytes(30).toString('hex'),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify([entry], null, 2), { mode: 0o600 });
  return entry;
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
console.log(
  `\nCustomers open CP at ${process.env.CP_PUBLIC_URL ?? `http://localhost:${ports['cp-api']}`}/ (passkeys are bound to that host name).`,
);
await seedDemoCustomer();
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

/** A demo customer login for CP (password + authenticator app), made through PP and CP once (see demo-cp-login.ts). */
async function seedDemoCustomer() {
  if ((process.env.DEMO_SEED ?? 'true') === 'false' || process.env.CP_DEMO_CUSTOMER === 'false') return;
  const dir = join(dataRoot, 'demo-logins');
  try {
    const pp = JSON.parse(readFileSync(join(dir, 'pp.json'), 'utf8')) as {
      username: string;
      password: string;
    }[];
    const operator = pp.find((u) => u.username === 'operator');
    if (!operator) return;
    await createDemoCpLogin({
      ppUrl: `http://127.0.0.1:${ports['pp-api']}`,
      cpUrl: `http://127.0.0.1:${ports['cp-api']}`,
      paperUrl: `http://127.0.0.1:${ports['paper-exchange']}`,
      operator: { username: operator.username, password: operator.password },
      file: join(dir, 'cp.json'),
    });
    console.log(
      '\nCP demo customer: sign in with its e-mail and password, then a code (`npm run demo:totp` prints one).',
    );
  } catch (err) {
    console.error(`the CP demo customer could not be created: ${(err as Error).message}`);
  }
}
