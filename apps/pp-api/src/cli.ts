/**
 * `npm run pp -- <command>` for real deployments:
 *   create-user --username <name> --role admin|operator|viewer [--name "Display Name"]
 *       password from PP_NEW_PASSWORD or asked on the terminal (never a command-line argument: shells keep history)
 *   rewrap-vault      re-wrap every credential's data key under the current VAULT master key
 * Uses the same DATABASE_URL / .data/pp-api as the service.
 */
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ZOpsRole } from '@delta/contracts';
import { createVault } from '@delta/portal';
import { defaultDataDir, migrate, openDatabase } from '@delta/server-kit';
import { hashPassword, ZPasswordRule } from './auth/passwords.ts';
import { insertUser } from './auth/users-repository.ts';
import { ppMigrations } from './migrations.ts';

const [command, ...rest] = process.argv.slice(2);
const db = await openDatabase({
  url: process.env.DATABASE_URL || undefined,
  dataDir: process.env.DATA_DIR ?? defaultDataDir('pp-api'),
});
await migrate(db, ppMigrations(fileURLToPath(new URL('../migrations', import.meta.url))));

try {
  if (command === 'create-user') {
    const { values } = parseArgs({
      args: rest,
      options: { username: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    });
    const role = ZOpsRole.safeParse(values.role);
    if (!values.username || !role.success) {
      console.error(
        'usage: npm run pp -- create-user --username <name> --role admin|operator|viewer [--name "Display Name"]',
      );
      process.exit(2);
    }
    let password = process.env.PP_NEW_PASSWORD;
    if (!password) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      password = await rl.question('password (min 12 characters): ');
      rl.close();
    }
    if (password.length < ZPasswordRule.min) {
      console.error(`password must have at least ${ZPasswordRule.min} characters`);
      process.exit(2);
    }
    const user = await insertUser(db, {
      username: values.username,
      display_name: values.name ?? values.username,
      role: role.data,
      password_hash: await hashPassword(password),
    });
    console.log(`created ${user.role} ${user.username} (${user.user_id})`);
  } else if (command === 'rewrap-vault') {
    const vault = createVault(db, 'pp');
    const report = await vault.store.rewrapAll();
    console.log(JSON.stringify(report));
  } else {
    console.error('commands: create-user, rewrap-vault');
    process.exit(2);
  }
} finally {
  await db.close();
}
