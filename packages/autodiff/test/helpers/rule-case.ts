// One table-driven suite per gradient rule: each case is a tiny model, an input and a tolerance;
// the suite checks the gradient model against central finite differences (gradCheck) or, where a
// finite difference is meaningless (ties, guided Relu), against an exact expected gradient.
import type { Objective, ReluMode } from '@fv/core';
import { describe, expect, it } from 'vitest';
import { buildGradientModel, type GradientModelOptions } from '../../src/index.js';
import { decodeModel } from '../../src/onnx.js';
import { WEBGPU_OPS } from '../../src/webgpu-ops.js';
import { gradCheck } from './gradcheck.js';
import { randomArray } from './onnx-model.js';
import { run } from './ort.js';
import { node, size, type TinyNode, type TinySpec, tinyModel } from './tiny-model.js';

/**
 * Default bound on gradCheck's worstRelError (ε = 1e-2, float32 forward passes): the largest
 * error of the directional derivatives, relative to max(|numeric|, 1e-3·‖g‖·‖v‖, 1e-3).
 * Smooth ops reach ~1e-4; 1e-2 leaves room for float32 cancellation in larger sums.
 */
export const TOLERANCE = 1e-2;

export interface RuleCase {
  readonly name: string;
  readonly model: Uint8Array;
  /** The tensor to differentiate with respect to and its value. */
  readonly input: { name: string; dims: number[]; data: Float32Array };
  readonly extraFeeds?: Record<string, { data: Float32Array; dims: number[] }>;
  /** @defaultValue a logit objective on output `y` with a random seed */
  readonly objective?: Objective;
  readonly relu?: ReluMode;
  /** Finite-difference step. @defaultValue 1e-2 */
  readonly eps?: number;
  /** Bound on worstRelError. @defaultValue {@link TOLERANCE} */
  readonly tol?: number;
  /** Seed for the logit objective (needed with `expected`). */
  readonly seed?: Float32Array;
  /**
   * The exact expected gradient (for the given seed). When set, the finite-difference check is
   * skipped and the gradient must match to 1e-5 (relative to its largest entry).
   */
  readonly expected?: ArrayLike<number>;
  /** Backend tuning options passed to buildGradientModel (the graph must not change the result). */
  readonly tuning?: Tuning;
}

/** The buildGradientModel options that backends tune (see @fv/runtime's gradientTuning). */
export type Tuning = Pick<GradientModelOptions, 'precomputeWeights' | 'convMasks'>;

/**
 * Whether a case's gradient model must run on WebGPU: not under `convMasks`, a tuning that only
 * the native (CPU) backend uses (its masks use Clip, which onnxruntime-web's WebGPU provider lacks).
 */
const forWebGpu = (c: RuleCase) => !c.tuning?.convMasks;

/** The same cases built with `tuning`, named after it. */
export function withTuning(cases: readonly RuleCase[], tuning: Tuning): RuleCase[] {
  const label = Object.keys(tuning).join(', ');
  return cases.map((c) => ({ ...c, name: `${c.name} [${label}]`, tuning }));
}

export const logit = (output = 'y'): Objective => ({ kind: 'logit', output });

/** The op types a gradient model adds to its forward model. */
export function addedOpTypes(model: Uint8Array, gradientModel: Uint8Array): Set<string> {
  const before = decodeModel(model).graph!.node.length;
  const after = decodeModel(gradientModel).graph!.node;
  return new Set(after.slice(before).map((n) => n.opType));
}

/** Opset of a model's default domain. */
export function modelOpset(model: Uint8Array): number {
  const m = decodeModel(model);
  const e = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return Number(e?.version ?? 1);
}

/** Emitted ops that the native WebGPU provider has no kernel for at the model's opset. */
export function nonWebGpuOps(model: Uint8Array, gradientModel: Uint8Array): string[] {
  const opset = modelOpset(model);
  return [...addedOpTypes(model, gradientModel)].filter((op) => {
    const since = WEBGPU_OPS[op];
    return since === undefined || since > opset;
  });
}

export function buildCase(c: RuleCase) {
  return buildGradientModel(c.model, {
    objective: c.objective ?? logit(),
    wrt: [c.input.name],
    ...(c.relu ? { relu: c.relu } : {}),
    ...c.tuning,
  });
}

export async function checkCase(c: RuleCase, runner: typeof run = run): Promise<void> {
  const objective = c.objective ?? logit();
  if (c.expected) {
    const gm = buildCase(c);
    const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {
      ...(c.extraFeeds ?? {}),
      [c.input.name]: c.input,
    };
    if (gm.seedInput) {
      const out = objective.kind === 'logit' ? objective.output : '';
      const fwd = await runner(c.model, feeds, [out]);
      const n = fwd[out]!.data.length;
      feeds[gm.seedInput] = { data: c.seed ?? randomArray(n, 99), dims: fwd[out]!.dims };
    }
    const grad = (await runner(gm.bytes, feeds, [gm.gradientOutputs[c.input.name]!]))[
      gm.gradientOutputs[c.input.name]!
    ]!.data;
    const scale = Math.max(1e-6, ...Array.from(c.expected, Math.abs));
    const worst = Math.max(...Array.from(grad, (g, i) => Math.abs(g - c.expected![i]!)));
    expect(grad.length).toBe(c.expected.length);
    expect(worst / scale, `gradient ${Array.from(grad)}`).toBeLessThan(1e-5);
    if (forWebGpu(c)) expect(nonWebGpuOps(c.model, gm.bytes)).toEqual([]);
    return;
  }
  const r = await gradCheck(c.model, {
    objective,
    input: c.input,
    ...(c.extraFeeds ? { extraFeeds: c.extraFeeds } : {}),
    ...(c.seed ? { seed: c.seed } : {}),
    ...(c.relu ? { relu: c.relu } : {}),
    ...(c.eps ? { eps: c.eps } : {}),
    ...(c.tuning ? { tuning: c.tuning } : {}),
  });
  expect(
    r.worstRelError,
    `pairs ${JSON.stringify(r.pairs)}; gradient ${Array.from(r.gradient.slice(0, 16))}`,
  ).toBeLessThan(c.tol ?? TOLERANCE);
  // A zero gradient would pass trivially; every case is built to have a nonzero one.
  expect(r.gradient.some((g) => g !== 0)).toBe(true);
  if (forWebGpu(c)) expect(nonWebGpuOps(c.model, r.gm.bytes)).toEqual([]);
}

/** Registers one `it` per case under `describe('<opType> gradient')`. */
export function ruleSuite(opType: string, cases: readonly RuleCase[]): void {
  describe(`${opType} gradient`, () => {
    it.each(cases)('$name', (c) => checkCase(c));
  });
}

export interface OpCaseOptions {
  /** Dims of the input `x`. */
  readonly dims: number[];
  /** Declare the first dim of `x` as this symbol (a free batch dim) instead of its size. */
  readonly batch?: string;
  /** Input values. @defaultValue random in [−1, 1) */
  readonly data?: Float32Array;
  readonly attrs?: TinyNode['attrs'];
  readonly opset?: number;
  /** The node's inputs. @defaultValue ['x'] */
  readonly inputs?: readonly string[];
  /** Number of node outputs (named y, y1, y2, …). @defaultValue 1 */
  readonly outputs?: number;
  readonly floats?: TinySpec['floats'];
  readonly ints?: TinySpec['ints'];
  readonly bytes?: TinySpec['bytes'];
  /** Nodes before the op (reading x) and after it (producing y from the op's outputs). */
  readonly pre?: readonly TinyNode[];
  readonly post?: readonly TinyNode[];
  readonly tol?: number;
  readonly eps?: number;
  readonly relu?: ReluMode;
  readonly seed?: Float32Array;
  readonly expected?: ArrayLike<number>;
}

/**
 * A case for one node of `op` reading `x` (dims given) and writing `y`; with `post`, the op
 * writes `t` (t, t1, t2, … for several outputs) and `post` produces `y`.
 */
export function opCase(name: string, op: string, o: OpCaseOptions): RuleCase {
  const n = o.outputs ?? 1;
  const base = o.post ? 't' : 'y';
  const outs = Array.from({ length: n }, (_, i) => (i === 0 ? base : `${base}${i}`));
  const model = tinyModel({
    ...(o.opset ? { opset: o.opset } : {}),
    inputs: { x: o.batch ? [o.batch, ...o.dims.slice(1)] : o.dims },
    nodes: [...(o.pre ?? []), node(op, o.inputs ?? ['x'], outs, o.attrs ?? {}), ...(o.post ?? [])],
    ...(o.floats ? { floats: o.floats } : {}),
    ...(o.ints ? { ints: o.ints } : {}),
    ...(o.bytes ? { bytes: o.bytes } : {}),
  });
  return {
    name,
    model,
    input: { name: 'x', dims: o.dims, data: o.data ?? randomArray(size(o.dims), 7) },
    ...(o.tol ? { tol: o.tol } : {}),
    ...(o.eps ? { eps: o.eps } : {}),
    ...(o.relu ? { relu: o.relu } : {}),
    ...(o.seed ? { seed: o.seed } : {}),
    ...(o.expected ? { expected: o.expected } : {}),
  };
}

/** Building the gradient of `model` (wrt x, logit on y) fails with UNSUPPORTED_OP matching `message`. */
export function expectUnsupported(model: Uint8Array, message: RegExp): void {
  expect(() => buildGradientModel(model, { objective: logit(), wrt: ['x'] })).toThrowError(
    expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(message) }),
  );
}
