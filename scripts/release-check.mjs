#!/usr/bin/env node
// The release dry run: packs every publishable package with pnpm AND with npm (a release may be
// made with either) and checks what would reach the registry, then runs `npm publish --dry-run`
// on every tarball. It fails on a `workspace:` (or any other local protocol) left in a dependency
// range, an @fv/* dependency at another version than the one packed, a file the manifest names but
// the tarball lacks, a missing LICENSE or README, unset metadata, the two packers disagreeing, and
// any warning from npm's publish checks. `npm test` runs it (test/integration/release.test.ts);
// by hand: `pnpm run release:check` (after `pnpm build`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The two packers a release may be made with. */
export const packers = ['pnpm', 'npm'];

/** Runs a command; the error names the command, its folder and its output. */
export async function run(command, args, cwd, env = process.env) {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr };
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error(`\`${command}\` is not on PATH`);
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  }
}

/** The publishable (non-private) packages under `packages/`, in folder order. */
export async function workspacePackages() {
  const result = [];
  for (const dir of (await readdir(join(repoRoot, 'packages'))).sort()) {
    const file = join(repoRoot, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    if (!manifest.private) result.push({ dir, name: manifest.name, version: manifest.version });
  }
  return result;
}

async function tarballContents(tarball) {
  const listing = await run('tar', ['-tzf', tarball], tmpdir());
  const files = listing.stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''))
    .sort();
  const manifestText = await run('tar', ['-xzOf', tarball, 'package/package.json'], tmpdir());
  return { files, manifest: JSON.parse(manifestText.stdout) };
}

/**
 * Packs the given workspace packages (default: every publishable one) with `packer` into
 * `destination`; returns each tarball with the manifest and file list inside it.
 */
export async function packPackages(packer, destination, dirs) {
  if (!packers.includes(packer)) throw new Error(`unknown packer ${packer}`);
  const all = await workspacePackages();
  const chosen = dirs ? all.filter((p) => dirs.includes(p.dir)) : all;
  return Promise.all(
    chosen.map(async (pkg) => {
      const cwd = join(repoRoot, 'packages', pkg.dir);
      const { stdout } = await run(
        packer,
        ['pack', '--json', '--pack-destination', destination],
        cwd,
      );
      const parsed = JSON.parse(stdout);
      const entry = Array.isArray(parsed) ? parsed[0] : parsed;
      const tarball = resolve(destination, basename(entry.filename));
      return { ...pkg, packer, tarball, ...(await tarballContents(tarball)) };
    }),
  );
}

/** Dependency ranges only a workspace understands. */
const localProtocol = /^(workspace|link|file|portal|catalog|git|git\+[a-z]+|github|https?):/i;
const dependencyFields = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
];

/** Paths a manifest names (main, types, exports, typesVersions, bin, sideEffects), without `./`. */
export function namedFiles(manifest) {
  const targets = new Set();
  const visit = (value) => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(manifest.main);
  visit(manifest.types);
  visit(manifest.exports);
  visit(manifest.typesVersions);
  visit(typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {}));
  if (Array.isArray(manifest.sideEffects)) visit(manifest.sideEffects);
  return [...targets].filter((t) => !t.includes('*'));
}

/**
 * What is wrong with one packed package (an empty list when nothing is).
 * `versions` maps every workspace package name to its version.
 */
export function packageProblems(packed, versions) {
  const { manifest, files, dir } = packed;
  const at = `${packed.name} (${packed.packer} pack)`;
  const problems = [];
  const need = (ok, message) => {
    if (!ok) problems.push(`${at}: ${message}`);
  };
  for (const field of dependencyFields) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      need(
        !localProtocol.test(range),
        `${field}.${dep} is "${range}", which only a workspace resolves`,
      );
      if (dep in versions && field !== 'devDependencies') {
        need(
          range === versions[dep],
          `${field}.${dep} is "${range}", not the packed ${versions[dep]}`,
        );
      }
    }
  }
  need(
    typeof manifest.description === 'string' && manifest.description.length > 0,
    'no description',
  );
  need(manifest.license === 'MIT', 'license is not MIT');
  need(
    typeof manifest.repository?.url === 'string' &&
      manifest.repository.directory === `packages/${dir}`,
    `repository needs url and directory "packages/${dir}"`,
  );
  need(typeof manifest.homepage === 'string', 'no homepage');
  need(typeof manifest.bugs === 'string' || typeof manifest.bugs?.url === 'string', 'no bugs');
  need(typeof manifest.engines?.node === 'string', 'no engines.node');
  need(manifest.type === 'module', 'type is not "module"');
  need(
    !manifest.name.startsWith('@') || manifest.publishConfig?.access === 'public',
    'a scoped package needs publishConfig.access "public"',
  );
  need(typeof manifest.types === 'string', 'no top-level types (moduleResolution node10)');
  const exportsMap = manifest.exports ?? {};
  need(exportsMap['./package.json'] === './package.json', 'exports lacks "./package.json"');
  for (const [key, target] of Object.entries(exportsMap)) {
    if (key === './package.json') continue;
    const conditions = typeof target === 'object' && target ? Object.keys(target) : [];
    need(
      conditions.join(',') === 'types,import,default',
      `exports["${key}"] must have types, import, default in that order (has ${conditions.join(', ') || target})`,
    );
    if (key !== '.') {
      need(
        manifest.typesVersions?.['*']?.[key.slice(2)] !== undefined,
        `typesVersions lacks "${key.slice(2)}" (moduleResolution node10)`,
      );
    }
  }
  for (const file of namedFiles(manifest)) need(files.includes(file), `names ${file}, not packed`);
  need(files.includes('LICENSE'), 'LICENSE not packed');
  need(files.includes('README.md'), 'README.md not packed');
  const stray = files.filter(
    (f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f),
  );
  need(stray.length === 0, `packs files outside dist/: ${stray.join(', ')}`);
  return problems;
}

/** Where pnpm's and npm's tarballs of the same package differ. */
export function packerDifferences(a, b) {
  const problems = [];
  if (a.files.join('\n') !== b.files.join('\n')) {
    problems.push(
      `${a.name}: ${a.packer} packs [${a.files.join(', ')}], ${b.packer} packs [${b.files.join(', ')}]`,
    );
  }
  for (const field of [...dependencyFields, 'exports', 'main', 'types', 'bin', 'typesVersions']) {
    if (JSON.stringify(a.manifest[field]) !== JSON.stringify(b.manifest[field])) {
      problems.push(`${a.name}: ${field} differs between ${a.packer} pack and ${b.packer} pack`);
    }
  }
  return problems;
}

/** `npm publish --dry-run` of one tarball: every npm warning but the log-in notice. */
export async function publishDryRun(tarball) {
  const { stderr } = await run('npm', ['publish', '--dry-run', tarball], tmpdir());
  return stderr
    .split('\n')
    .filter((line) => /^npm (warn|error)/i.test(line))
    .filter((line) => !/requires you to be logged in/.test(line))
    .map((line) => `${basename(tarball)}: ${line}`);
}

/**
 * The whole dry run into `destination` (a fresh temporary folder when not given, removed after).
 * Returns the packs of both packers and every problem found.
 */
export async function releaseCheck(destination) {
  const out = destination ?? (await mkdtemp(join(tmpdir(), 'fv-release-')));
  try {
    const license = await readFile(join(repoRoot, 'LICENSE'), 'utf8');
    const packages = await workspacePackages();
    const versions = Object.fromEntries(packages.map((p) => [p.name, p.version]));
    const problems = [];
    for (const p of packages) {
      const copy = join(repoRoot, 'packages', p.dir, 'LICENSE');
      if (!existsSync(copy) || (await readFile(copy, 'utf8')) !== license) {
        problems.push(`${p.name}: packages/${p.dir}/LICENSE is not a copy of the root LICENSE`);
      }
    }
    const packs = {};
    for (const packer of packers) {
      const folder = join(out, packer);
      await mkdir(folder, { recursive: true });
      packs[packer] = await packPackages(packer, folder);
      for (const packed of packs[packer]) problems.push(...packageProblems(packed, versions));
    }
    for (const a of packs.pnpm) {
      const b = packs.npm.find((p) => p.name === a.name);
      problems.push(...packerDifferences(a, b));
    }
    // The two packers' tarballs agree (above), so npm's publish checks run on npm's.
    for (const warnings of await Promise.all(packs.npm.map((p) => publishDryRun(p.tarball)))) {
      problems.push(...warnings);
    }
    return { packs, problems };
  } finally {
    if (!destination) await rm(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await mkdtemp(join(tmpdir(), 'fv-release-'));
  try {
    const { packs, problems } = await releaseCheck(out);
    for (const p of packs.npm) {
      const { size } = await stat(p.tarball);
      console.log(`${p.name}@${p.version}: ${p.files.length} files, ${size} bytes packed`);
    }
    if (problems.length > 0) {
      console.error(`release check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exitCode = 1;
    } else {
      console.log('release check passed: pnpm and npm pack the same, nothing workspace-only left');
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
