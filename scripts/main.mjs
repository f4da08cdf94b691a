// Placeholder main job until the CLI lands: lists each built package and its entry points.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
console.log('fv: packages built\n');
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const dist = join(dir, 'dist');
  const files = readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
  const bytes = files.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
  console.log(
    `  ${pkg.name.padEnd(14)} packages/${name}/dist  (${files.join(', ')}; ${bytes} bytes)`,
  );
  console.log(`  ${''.padEnd(14)} ${pkg.description}\n`);
}
console.log('Next:');
console.log('  npm test          build, typecheck, lint and every test (Chromium e2e included)');
console.log('  pnpm run serve    serve the example and browser test pages');
console.log('  pnpm run docs     API reference into docs/api/');
