// One build for every package. Entry points come from each package's `exports` map
// (`./dist/<name>.js` is built from `./src/<name>.ts`), so adding an entry is a
// package.json change only. Dependencies and peers are never bundled.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

const root = new URL('.', import.meta.url).pathname;
const only = process.env.FV_BUILD_ONLY?.split(',');

function entriesOf(pkgDir, pkg) {
  const entries = {};
  const visit = (target) => {
    if (typeof target === 'string') {
      const m = /^\.\/dist\/(.+)\.js$/.exec(target);
      if (m) entries[m[1]] = join(pkgDir, 'src', `${m[1]}.ts`);
    } else if (target && typeof target === 'object') {
      for (const v of Object.values(target)) visit(v);
    }
  };
  visit(pkg.exports);
  for (const bin of Object.values(pkg.bin ?? {})) visit(bin);
  for (const extra of pkg.fv?.extraEntries ?? []) visit(extra);
  return entries;
}

const configs = [];
for (const name of readdirSync(join(root, 'packages'))) {
  if (only && !only.includes(name)) continue;
  const pkgDir = join(root, 'packages', name);
  const pkgFile = join(pkgDir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const external = (id) =>
    id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));
  const input = entriesOf(pkgDir, pkg);
  // Start from an empty dist/: chunk names carry content hashes, so chunks of an earlier build
  // would otherwise stay next to the new ones and be packed into the tarball.
  rmSync(join(pkgDir, 'dist'), { recursive: true, force: true });
  configs.push({
    input,
    external,
    output: {
      dir: join(pkgDir, 'dist'),
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
    plugins: [esbuild({ target: 'es2022', tsconfig: join(pkgDir, 'tsconfig.json') })],
  });
  const typed = Object.fromEntries(
    Object.entries(input).filter(([k]) => !(pkg.fv?.untypedEntries ?? []).includes(k)),
  );
  configs.push({
    input: typed,
    external,
    output: { dir: join(pkgDir, 'dist'), format: 'es', entryFileNames: '[name].d.ts' },
    plugins: [dts({ tsconfig: join(pkgDir, 'tsconfig.json') })],
  });
}

export default configs;
