// A throwaway consumer: packs the built packages with `pnpm pack`, installs the tarballs into a
// temporary project (third-party dependencies linked to the workspace's installed copies, so no
// network), then imports each package by name with plain `node` and type-checks an import of each
// with `tsc` under `moduleResolution: nodenext`. (Publishability, npm pack included, is
// release.test.ts; installing with npm into real apps is test/e2e/consumer.test.ts.)
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packPackages } from '../../scripts/release-check.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The packages a consumer imports, and what each must export. Extend `values` (runtime exports)
 * and `types` (type-only exports) as packages grow; a stub barrel (`export {}`) lists none.
 * `check` is a JavaScript expression over the imported module `m` that must be true.
 */
const packages: readonly PackedExpectation[] = [
  {
    dir: 'core',
    values: [
      'FvError',
      'isFvError',
      'abortError',
      'throwIfAborted',
      'tensor',
      'sizeOf',
      'datasetExamples',
      'mergeDatasetIndexes',
      'semanticDictionary',
      'saliency',
      'deepDream',
      'unitVisualization',
      'classVisualization',
      'runInPlace',
      'imageToTensor',
      'resizeMap',
      'evaluate',
      'compareMethods',
      'spearman',
      'ssim',
      'pointingGame',
      'energyPointingGame',
      'createRng',
      'configFromHuggingFace',
      'configuredInputShapes',
      'featureMap',
      'featureMapTensor',
    ],
    types: [
      'FvErrorCode',
      'Engine',
      'Tensor',
      'Objective',
      'DatasetIndex',
      'DatasetExamplesFrame',
      'ReceptiveField',
      'LoopProgress',
      'LoopRequest',
      'Map2D',
      'MetricOptions',
      'CompareOptions',
      'RiseOptions',
      'AttentionRolloutOptions',
      'TransformerAttributionOptions',
      'HuggingFaceConfig',
      'ImageLayout',
    ],
    // Internals (FFT, Adam, colour decorrelation) stay inside the package.
    check:
      "new m.FvError('INTERNAL', 'packed').code === 'INTERNAL' && m.sizeOf([2, 3]) === 6 && !('fft2d' in m) && !('createAdam' in m) && m.loopKinds.includes('unit-visualization') && m.loopKinds.includes('evaluate') && m.loopKinds.includes('compare-methods') && m.loopKinds.includes('dataset-examples')",
  },
  // Packed because runtime depends on it; a consumer may import it directly too.
  {
    dir: 'autodiff',
    values: [
      'buildGradientModel',
      'inspectModel',
      'receptiveField',
      'parameterizedLayers',
      'randomizeLayers',
      'unresolvedShapes',
    ],
    types: ['ModelInspection', 'ParameterizedLayer', 'TokenLayout', 'AttentionMap', 'ImageLayout'],
  },
  {
    dir: 'runtime',
    values: ['createEngine', 'MODEL_CACHE_NAME', 'readModelFolder', 'isModelFolder'],
    types: ['RuntimeEngine', 'CreateEngineOptions', 'ModelFolder', 'ModelDtype'],
    check: "typeof m.createEngine === 'function' && m.MODEL_CACHE_NAME === 'fv-models-v1'",
  },
  {
    dir: 'viz',
    values: [
      'colorize',
      'overlay',
      'normalizeMap',
      'signPart',
      'encodePng',
      'decodeImage',
      'linePlot',
    ],
    types: ['ColorizeOptions', 'AttributionSign'],
    // Maps and images are @fv/core's types; viz has no second resizeMap.
    check: "!('resizeMap' in m) && typeof m.signPart === 'function'",
  },
];

interface PackedExpectation {
  /** Folder under `packages/`. */
  readonly dir: string;
  readonly values: readonly string[];
  readonly types: readonly string[];
  readonly check?: string;
}

interface Manifest {
  name: string;
  version: string;
  type?: string;
  sideEffects?: boolean | string[];
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface Packed {
  readonly expectation: PackedExpectation;
  readonly manifest: Manifest;
  /** Paths inside the tarball, without the leading `package/`. */
  readonly files: readonly string[];
}

let work: string;
const packed = new Map<string, Packed>();

function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new Error(`\`${command}\` is not on PATH (npm test installs it)`);
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

/** Where the workspace installed `dep` for the package in `packages/<dir>` (a real path). */
function installedCopy(dir: string, dep: string): string {
  for (const base of [join(repoRoot, 'packages', dir), repoRoot]) {
    const candidate = join(base, 'node_modules', dep);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`@fv/${dir} depends on ${dep}, which is not installed (run pnpm install)`);
}

beforeAll(async () => {
  const missing = packages
    .map((p) => `packages/${p.dir}/dist`)
    .filter((dist) => !existsSync(join(repoRoot, dist, 'index.js')));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not built: run \`pnpm build\` first (\`npm test\` builds before testing)`,
    );
  }

  work = await mkdtemp(join(tmpdir(), 'fv-pack-'));
  const tarballs = join(work, 'tarballs');
  const nodeModules = join(work, 'node_modules');
  await mkdir(tarballs, { recursive: true });

  const thirdParty = new Map<string, string>();
  const tarballsByDir = await packPackages(
    'pnpm',
    tarballs,
    packages.map((p) => p.dir),
  );
  for (const expectation of packages) {
    const { name, tarball: filename } = tarballsByDir.find((t) => t.dir === expectation.dir)!;
    const target = join(nodeModules, name);
    await mkdir(target, { recursive: true });
    run('tar', ['-xzf', filename, '-C', target, '--strip-components=1'], work);
    const files = run('tar', ['-tzf', filename], work)
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8')) as Manifest;
    packed.set(name, { expectation, manifest, files });
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (!dep.startsWith('@fv/') && !thirdParty.has(dep)) {
        thirdParty.set(dep, installedCopy(expectation.dir, dep));
      }
    }
  }
  for (const [dep, real] of thirdParty) {
    const link = join(nodeModules, dep);
    await mkdir(dirname(link), { recursive: true });
    await symlink(real, link, 'dir');
  }

  await writeFile(
    join(work, 'package.json'),
    JSON.stringify({ name: 'fv-consumer', private: true, type: 'module' }),
  );
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('packed packages', () => {
  test('every expected package was packed', () => {
    expect([...packed.keys()].sort()).toEqual(packages.map((p) => `@fv/${p.dir}`).sort());
  });

  test.each(packages.map((p) => `@fv/${p.dir}`))('%s: publishable package.json', (name) => {
    const { manifest, files } = packed.get(name)!;
    for (const field of [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'devDependencies',
    ] as const) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        expect(range, `${name} ${field}.${dep}`).not.toMatch(/^workspace:/);
      }
    }
    // @fv dependencies point at packages this test packed, at their current versions.
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (dep.startsWith('@fv/'))
        expect(range, `${name} → ${dep}`).toBe(packed.get(dep)?.manifest.version);
    }
    expect(manifest.type).toBe('module');
    // Only the worker entries run code on import (they start the worker, or, the CLI's picture
    // thread, serve requests in one): a bundler must keep them whole even in a file that only
    // imports them (`import '@fv/runtime/worker'`).
    const threads: Record<string, string[]> = {
      '@fv/runtime': ['./dist/worker.js', './dist/wasm-worker.js'],
      '@fv/cli': ['./dist/picture-thread.js'],
    };
    expect(manifest.sideEffects).toEqual(threads[name] ?? false);
    expect(manifest.exports?.['.']).toEqual({
      types: './dist/index.d.ts',
      import: './dist/index.js',
      default: './dist/index.js',
    });
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('package.json');
    // Only the build output ships (`files: ["dist"]`, plus what npm always includes).
    const stray = files.filter(
      (f) => !f.startsWith('dist/') && !/^(package\.json|README|LICENSE|CHANGELOG)/i.test(f),
    );
    expect(stray).toEqual([]);
    // Every file the exports map names is in the tarball.
    const targets: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v.replace(/^\.\//, ''));
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(manifest.exports);
    for (const target of targets) expect(files, `${name} exports ${target}`).toContain(target);
  });

  test('a consumer imports every package by name with plain node', async () => {
    const lines = [
      'const report = {};',
      ...packages.map((p, i) => {
        const name = `@fv/${p.dir}`;
        return [
          `const m${i} = await import(${JSON.stringify(name)});`,
          `report[${JSON.stringify(name)}] = {`,
          `  keys: Object.keys(m${i}).sort(),`,
          `  check: ${p.check ? `((m) => ${p.check})(m${i})` : 'true'},`,
          '};',
        ].join('\n');
      }),
      'console.log(JSON.stringify(report));',
    ];
    await writeFile(join(work, 'index.mjs'), `${lines.join('\n')}\n`);
    const report = JSON.parse(run(process.execPath, ['index.mjs'], work)) as Record<
      string,
      { keys: string[]; check: boolean }
    >;

    for (const p of packages) {
      const name = `@fv/${p.dir}`;
      const entry = report[name];
      expect(entry, name).toBeDefined();
      for (const value of p.values)
        expect(entry!.keys, `${name} exports ${value}`).toContain(value);
      expect(entry!.check, `${name}: ${p.check ?? ''}`).toBe(true);
    }
  });

  test('the packed build exports exactly what the source barrel exports', async () => {
    const consumerReport = JSON.parse(
      run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const names = ${JSON.stringify(packages.map((p) => `@fv/${p.dir}`))};
           const out = {};
           for (const n of names) out[n] = Object.keys(await import(n)).sort();
           console.log(JSON.stringify(out));`,
        ],
        work,
      ),
    ) as Record<string, string[]>;
    // vitest resolves `@fv/*` to each package's src/index.ts.
    const sources: Record<string, () => Promise<Record<string, unknown>>> = {
      '@fv/core': () => import('@fv/core'),
      '@fv/autodiff': () => import('@fv/autodiff'),
      '@fv/runtime': () => import('@fv/runtime'),
      '@fv/viz': () => import('@fv/viz'),
    };
    for (const p of packages) {
      const name = `@fv/${p.dir}`;
      const load = sources[name];
      expect(load, `add ${name} to the source imports of this test`).toBeDefined();
      const fromSource = Object.keys(await load!()).sort();
      expect(consumerReport[name], `${name}: dist is stale? run pnpm build`).toEqual(fromSource);
    }
  });

  test('a TypeScript consumer resolves the types through the exports map (nodenext)', async () => {
    const lines: string[] = [];
    packages.forEach((p, i) => {
      lines.push(`import * as p${i} from '@fv/${p.dir}';`);
    });
    lines.push('export const used: unknown[] = [];');
    packages.forEach((p, i) => {
      for (const value of p.values) lines.push(`used.push(p${i}.${value});`);
      for (const type of p.types) lines.push(`export type T${i}_${type} = p${i}.${type};`);
      if (p.values.length === 0 && p.types.length === 0) lines.push(`used.push(p${i});`);
    });
    if (packages.some((p) => p.dir === 'core')) {
      const i = packages.findIndex((p) => p.dir === 'core');
      // Fails if the types degraded to `any` (an unused @ts-expect-error is an error).
      lines.push(`export const code: p${i}.FvErrorCode = 'INTERNAL';`);
      lines.push(`// @ts-expect-error not an error code`);
      lines.push(`export const wrong: p${i}.FvErrorCode = 'NOT_A_CODE';`);
    }
    await writeFile(join(work, 'consumer.ts'), `${lines.join('\n')}\n`);
    await writeFile(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['consumer.ts'],
      }),
    );
    run(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      work,
    );
  });
});
