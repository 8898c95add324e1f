/** `npm run demo:totp`: the current authenticator code of the CP demo customer (for a machine without an app). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { URI } from 'otpauth';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const file = join(resolve(process.env.DATA_ROOT ?? join(root, '.data')), 'demo-logins', 'cp.json');
const [entry] = JSON.parse(readFileSync(file, 'utf8')) as { email: string; otpauth_uri: string }[];
if (!entry) throw new Error(`${file} holds no CP demo login`);
const totp = URI.parse(entry.otpauth_uri);
const left = 30 - (Math.floor(Date.now() / 1000) % 30);
console.log(`${entry.email}: ${totp.generate()} (valid ${left} s more)`);
