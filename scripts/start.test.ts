import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from './services.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataRoot = mkdtempSync(join(tmpdir(), 'start-'));
const ports: Record<string, number> = {};
let output = '';
let exitCode: Promise<number | null>;
let stop: () => void;
let supervisorPid = 0;

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Processes whose environment names our DATA_ROOT: the services this start launched (not `npm start` itself). */
function processesOfThisStart(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid || Number(entry) === supervisorPid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`DATA_ROOT=${dataRoot}`))
        pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {}
  }
  return out;
}

beforeAll(async () => {
  const env: Record<string, string> = {
    ...process.env,
    DATA_ROOT: dataRoot,
    TEST_DATABASE_URL: '',
  } as Record<string, string>;
  for (const s of SERVICES) {
    ports[s.name] = await freePort();
    env[s.portVar] = String(ports[s.name]);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/start.ts'), '--fresh'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  exitCode = new Promise((r) => child.on('exit', (code) => r(code)));
  stop = () => child.kill('SIGINT');
  supervisorPid = child.pid ?? 0;
  const deadline = Date.now() + 150_000;
  while (!output.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(() => {
  for (const pid of processesOfThisStart()) process.kill(pid, 'SIGKILL');
});

describe('npm start', () => {
  it('prints one table with every service URL', () => {
    expect(output).not.toContain('exited unexpectedly');
    for (const s of SERVICES) expect(output).toContain(`http://127.0.0.1:${ports[s.name]}${s.openPath}`);
  });

  it('runs every service with /healthz, /readyz and /docs', async () => {
    for (const s of SERVICES) {
      const base = `http://127.0.0.1:${ports[s.name]}`;
      expect((await (await fetch(`${base}/healthz`)).json()).service, s.name).toBe(s.name);
      expect((await fetch(`${base}/readyz`)).status, s.name).toBe(200);
      const docs = await fetch(`${base}/docs/json`);
      expect(docs.status, s.name).toBe(200);
      expect(((await docs.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    }
  });

  it('keeps every service on 127.0.0.1 only by default (the paper exchange admin routes included)', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const others = ['::1', ...(external ? [external] : [])];
    for (const s of SERVICES) {
      expect(await canConnect('127.0.0.1', ports[s.name]!), s.name).toBe(true);
      for (const host of others)
        expect(await canConnect(host, ports[s.name]!), `${s.name} via ${host}`).toBe(false);
    }
    if (external) {
      // A listener of our own on that address is reachable, so the refusals above are the services' binding.
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, external, r));
      const { port } = server.address() as AddressInfo;
      expect(await canConnect(external, port)).toBe(true);
      server.close();
    }
  });

  it('stops every service on Ctrl-C and leaves no process behind', async () => {
    // One process per service under the supervisor (tsx's esbuild helpers are children too; count services only).
    const services = childrenOf(supervisorPid).filter((pid) => {
      try {
        return /apps\/[a-z-]+\/src\/main\.ts/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(services.length).toBe(SERVICES.length);
    expect(processesOfThisStart().length).toBeGreaterThanOrEqual(SERVICES.length);
    stop();
    expect(await exitCode).toBe(0);
    expect(output).toContain('all services stopped');
    expect(processesOfThisStart()).toEqual([]);
    for (const s of SERVICES) expect(await canConnect('127.0.0.1', ports[s.name]!), s.name).toBe(false);
  });
});
