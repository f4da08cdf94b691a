// The release dry run in `npm test`: every publishable package packed with pnpm and with npm
// (scripts/release-check.mjs), checked for what only a workspace understands (`workspace:` and
// other local protocols), @fv/* versions, files, metadata, both packers agreeing, and
// `npm publish --dry-run` without warnings. The second test feeds the checks a manifest with the
// faults a release made with npm used to have, so the check itself is shown to fail.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  type Packed,
  packageProblems,
  packerDifferences,
  releaseCheck,
  repoRoot,
  workspacePackages,
} from '../../scripts/release-check.mjs';

test('pnpm pack and npm pack give publishable tarballs, nothing workspace-only left', async () => {
  const missing = (await workspacePackages()).filter(
    (p) => !existsSync(join(repoRoot, 'packages', p.dir, 'dist', 'index.js')),
  );
  expect(missing, 'run `pnpm build` first (`npm test` builds before testing)').toEqual([]);
  const { packs, problems } = await releaseCheck();
  expect(problems).toEqual([]);
  const names = (await workspacePackages()).map((p) => p.name).sort();
  expect(names).toEqual(['@fv/autodiff', '@fv/cli', '@fv/core', '@fv/runtime', '@fv/viz']);
  for (const packer of ['pnpm', 'npm'] as const) {
    expect(packs[packer].map((p) => p.name).sort()).toEqual(names);
  }
}, 180_000);

test('the checks catch a workspace: range, a stale version, missing files and metadata', () => {
  const broken: Packed = {
    dir: 'runtime',
    name: '@fv/runtime',
    version: '0.1.0',
    packer: 'npm',
    tarball: '/nowhere/fv-runtime-0.1.0.tgz',
    manifest: {
      name: '@fv/runtime',
      version: '0.1.0',
      license: 'MIT',
      type: 'module',
      exports: {
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
        './worker': { import: './dist/worker.js' },
      },
      dependencies: { '@fv/core': 'workspace:*', '@fv/autodiff': '0.0.9', comlink: '4.4.2' },
      peerDependencies: { 'onnxruntime-web': 'link:../ort' },
    },
    files: ['package.json', 'dist/index.js', 'src/index.ts'],
  };
  const problems = packageProblems(broken, { '@fv/core': '0.1.0', '@fv/autodiff': '0.1.0' });
  const expected = [
    'dependencies.@fv/core is "workspace:*", which only a workspace resolves',
    'dependencies.@fv/autodiff is "0.0.9", not the packed 0.1.0',
    'peerDependencies.onnxruntime-web is "link:../ort", which only a workspace resolves',
    'no description',
    'repository needs url and directory "packages/runtime"',
    'no homepage',
    'no engines.node',
    'a scoped package needs publishConfig.access "public"',
    'no top-level types',
    'exports lacks "./package.json"',
    'exports["."] must have types, import, default',
    'exports["./worker"] must have types, import, default',
    'typesVersions lacks "worker"',
    'names dist/index.d.ts, not packed',
    'names dist/worker.js, not packed',
    'LICENSE not packed',
    'README.md not packed',
    'packs files outside dist/: src/index.ts',
  ];
  for (const fragment of expected) {
    expect(
      problems.some((p) => p.includes(fragment)),
      `${fragment}\nin:\n${problems.join('\n')}`,
    ).toBe(true);
  }
  const pnpmCopy: Packed = {
    ...broken,
    packer: 'pnpm',
    manifest: { ...broken.manifest, dependencies: { '@fv/core': '0.1.0' } },
    files: ['package.json', 'dist/index.js'],
  };
  expect(packerDifferences(pnpmCopy, broken)).toEqual([
    '@fv/runtime: pnpm packs [package.json, dist/index.js], npm packs [package.json, dist/index.js, src/index.ts]',
    '@fv/runtime: dependencies differs between pnpm pack and npm pack',
  ]);
});
