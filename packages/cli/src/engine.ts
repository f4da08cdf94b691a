// The engines a command runs on: which backend (`--backend`), how many threads each (`--threads`),
// and the one-line notice when `auto` found no working onnxruntime-node and runs on wasm.
import { availableParallelism } from 'node:os';
import type { ModelConfig } from '@fv/core';
import { createEngine, type RuntimeEngine } from '@fv/runtime';
import type { Command } from 'commander';
import { parseChoice, parseNumber } from './options.js';

/** What `--backend` accepts (WebGPU is a browser backend). */
export const BACKEND_CHOICES = ['auto', 'native', 'wasm'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The engine flags as commander gives them. */
export interface EngineFlags {
  readonly backend?: string;
  readonly threads?: string;
}

/** The engine flags, checked. */
export interface EngineSettings {
  readonly backend: BackendChoice;
  /** Threads per engine, when `--threads` gave them. */
  readonly threads?: number;
}

/** The commands that start an engine (and take `--backend`, `--threads`). */
export const ENGINE_COMMANDS: readonly string[] = [
  'classify',
  'saliency',
  'evaluate',
  'grad',
  'dream',
  'visualize',
  'classviz',
  'microscope',
];

/** Adds `--backend` and `--threads` to a command that runs a model. */
export function engineFlags(command: Command): Command {
  return command
    .option(
      '--backend <name>',
      "auto (default: onnxruntime-node's CPU provider when installed, else wasm), native or wasm",
    )
    .option('--threads <n>', 'threads per engine (default: the CPU cores, shared by --workers)');
}

/**
 * Checks the engine flags.
 * @throws FvError `INVALID_ARGUMENT` naming the flag.
 */
export function engineSettings(flags: EngineFlags): EngineSettings {
  const backend = parseChoice(flags.backend, BACKEND_CHOICES, '--backend', 'backend') ?? 'auto';
  const threads = parseNumber(flags.threads, '--threads', { integer: true, min: 1 });
  return { backend, ...(threads !== undefined ? { threads } : {}) };
}

/** Threads of each of `engines` engines: `--threads`, else the cores shared out (at least 1). */
export function threadsPerEngine(settings: EngineSettings, engines = 1): number {
  return settings.threads ?? Math.max(1, Math.floor(availableParallelism() / engines));
}

/**
 * Starts an engine on the chosen backend; under `auto`, prints one line on stderr when it runs
 * on wasm because onnxruntime-node could not be used (`notice: false` for the second and later
 * engines of a pool). `config` is the model's config, for `engine.info.config`.
 */
export async function startEngine(
  model: Uint8Array,
  settings: EngineSettings,
  options: {
    readonly engines?: number;
    readonly notice?: boolean;
    readonly config?: ModelConfig;
  } = {},
): Promise<RuntimeEngine> {
  const engine = await createEngine({
    model,
    backend: settings.backend,
    numThreads: threadsPerEngine(settings, options.engines),
    ...(options.config ? { config: options.config } : {}),
  });
  if (settings.backend === 'auto' && engine.info.backend === 'wasm' && options.notice !== false) {
    const why = (engine.info.backendReason ?? 'the native backend is unavailable').split('\n')[0];
    process.stderr.write(`fv: note: running on wasm (slower): ${why}\n`);
  }
  return engine;
}
