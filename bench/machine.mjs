import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './util.mjs';

function pkgVersion(name) {
  try {
    const dir = join(repoRoot, 'node_modules', ...name.split('/'));
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** What ran the benchmark: CPU, cores, memory, load, Node and library versions. */
export function describeMachine() {
  const c = cpus();
  return {
    cpu: c[0]?.model?.trim(),
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: loadavg()[0],
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    onnxruntimeWeb: pkgVersion('onnxruntime-web'),
    onnxruntimeNode: pkgVersion('onnxruntime-node'),
    tfjs: pkgVersion('@tensorflow/tfjs'),
    tfjsBackendWasm: pkgVersion('@tensorflow/tfjs-backend-wasm'),
  };
}
