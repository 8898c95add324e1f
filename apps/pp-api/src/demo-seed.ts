import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Db, defaultDataDir, type Logger } from '@delta/server-kit';
import { hashPassword } from './auth/passwords.ts';
import { insertUser, listUsers } from './auth/users-repository.ts';

/**
 * Development only (DEMO_SEED=true, set by `npm start`): when PP has no users, create an admin, an operator and
 * a viewer with random passwords, and write them to .data/demo-logins/pp.json for the start-up table.
 */
export async function seedDemoUsers(db: Db, logger: Logger): Promise<void> {
  if ((await listUsers(db)).length > 0) return;
  const logins = [];
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    const password = `demo-${randomBytes(9).toString('base64url')}`;
    await insertUser(db, {
      username: `${role}`,
      display_name: `Demo ${role}`,
      role,
      password_hash: await hashPassword(password),
    });
    logins.push({ portal: 'PP', username: role, password, role });
  }
  const file = join(defaultDataDir('demo-logins'), 'pp.json');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(defaultDataDir('demo-logins'), { recursive: true });
  writeFileSync(file, JSON.stringify(logins, null, 2), { mode: 0o600 });
  logger.info({ users: logins.map((l) => l.username) }, 'demo users created');
}
