import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@delta/testing';
import { type Browser, chromium } from 'playwright-core';
import { SERVICES } from '../scripts/services.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(root, 'e2e', 'screenshots');

export interface RunningPlatform {
  ports: Record<string, number>;
  ppUrl: string;
  paperUrl: string;
  logins: { username: string; password: string; role: string }[];
  paperKey: { api_key: string; api_secret: string };
  output: () => string;
  stop(): Promise<void>;
}

/** `npm start --fresh` on free ports with its own data folder: the same command a person runs. */
export async function startPlatform(): Promise<RunningPlatform> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'e2e-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_ROOT: dataRoot,
    TEST_DATABASE_URL: '',
    // The runbook picks the first customer of each list: no CP demo customer before the one it creates.
    CP_DEMO_CUSTOMER: 'false',
  };
  const ports: Record<string, number> = {};
  for (const s of SERVICES) {
    ports[s.name] = await freePort();
    env[s.portVar] = String(ports[s.name]);
  }
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts/start.ts'), '--fresh'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const deadline = Date.now() + 200_000;
  while (!output.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const demo = join(dataRoot, 'demo-logins');
  const read = (f: string) => JSON.parse(readFileSync(join(demo, f), 'utf8'));
  if (!readdirSync(demo).includes('pp.json')) throw new Error('no PP demo logins were written');
  return {
    ports,
    ppUrl: `http://127.0.0.1:${ports['pp-api']}`,
    paperUrl: `http://127.0.0.1:${ports['paper-exchange']}`,
    logins: read('pp.json'),
    paperKey: read('paper-exchange.json')[0],
    output: () => output,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
