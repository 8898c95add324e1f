import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@delta/testing';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./fixtures/service-main.ts', import.meta.url));

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
afterAll(() => {
  // A failed assertion must not leave a service running.
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(env: Record<string, string>): Run {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, TEST_DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function ready(port: number, run: Run) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return;
    } catch {}
    if (run.child.exitCode !== null) throw new Error(`exited: ${run.out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${run.out()}`);
}

function dbEnv(): Record<string, string> {
  // The process gets its own PostgreSQL database only when the suite runs on PostgreSQL; else PGlite on disk.
  return { DATA_DIR: mkdtempSync(join(tmpdir(), 'svc-')) };
}

describe('a kit-built service process', () => {
  it('stops at start-up with a message naming each bad variable and no stack trace', async () => {
    const run = start({ PORT: 'eighty', LOG_LEVEL: 'chatty' });
    const code = await run.exited;
    expect(code).toBe(78);
    const out = run.out();
    expect(out).toMatch(/PORT is invalid/);
    expect(out).toMatch(/LOG_LEVEL is invalid/);
    expect(out).toMatch(/GREETING is missing/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('migrates on first start, applies nothing on restart, drains in-flight requests on SIGTERM', async () => {
    const env = { ...dbEnv(), GREETING: 'hello', PORT: String(await freePort()) };
    const first = start(env);
    await ready(Number(env.PORT), first);
    expect(first.out()).toContain(
      '"applied":["fixture-service/0001_accounts","fixture-service/0002_transfers"]',
    );

    // A request in flight when the signal arrives still gets its answer.
    const inflight = fetch(`http://127.0.0.1:${env.PORT}/slow`).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGTERM');
    expect(await inflight).toEqual({ greeting: 'hello' });
    const code = await first.exited;
    if (code !== 0) console.error(first.out());
    expect(code).toBe(0);
    expect(first.out()).toContain('"msg":"stopped"');

    const second = start(env);
    await ready(Number(env.PORT), second);
    expect(second.out()).toContain('"applied":[]');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
