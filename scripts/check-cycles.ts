/**
 * `npm run check:cycles`: fails when any module imports itself through others (madge, over every app, package,
 * script, bench and e2e file). Workspace packages are resolved to their sources, so a cycle across packages is
 * found too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const paths: Record<string, string[]> = {};
for (const base of ['apps', 'packages']) {
  for (const dir of readdirSync(join(root, base))) {
    const manifest = join(root, base, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    paths[`${name}/*`] = [`${base}/${dir}/*`];
    if (existsSync(join(root, base, dir, 'src/index.ts'))) paths[name] = [`${base}/${dir}/src/index.ts`];
  }
}

const result = await madge(
  ['apps', 'packages', 'scripts', 'bench', 'e2e'].map((d) => join(root, d)),
  {
    baseDir: root,
    fileExtensions: ['ts', 'tsx'],
    excludeRegExp: [/node_modules/, /\/dist\//],
    tsConfig: { compilerOptions: { baseUrl: root, paths, module: 'esnext', moduleResolution: 'bundler' } },
  },
);
const cycles = result.circular();
if (cycles.length === 0) {
  console.log(`no import cycles in ${Object.keys(result.obj()).length} files`);
} else {
  for (const c of cycles) console.error(`import cycle: ${c.join(' → ')}`);
  process.exit(1);
}
