// Shape inference checked against onnxruntime: every intermediate tensor of every rule's case
// models (and of the shape-arithmetic cases) is fetched from a forward run, and its dims (and,
// where shape inference folded it, its value) must equal what fv inferred.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { GraphIndex } from '../../src/graph.js';
import { appendGraphOutputs, defaultRegistry } from '../../src/index.js';
import { decodeModel } from '../../src/onnx.js';
import { inferShapes } from '../../src/shapes/infer.js';
import { session } from '../helpers/ort.js';
import type { RuleCase } from '../helpers/rule-case.js';
import { ruleCases } from '../rules/cases/index.js';
import { type ShapeCase, shapeCases, shapeInputData } from './shape-rules.js';

interface Checked {
  readonly name: string;
  readonly model: Uint8Array;
  readonly feeds: Record<string, { data: Float32Array; dims: readonly number[] }>;
}

function fromRuleCase(op: string, c: RuleCase): Checked {
  return {
    name: `${op}: ${c.name}`,
    model: c.model,
    feeds: { ...(c.extraFeeds ?? {}), [c.input.name]: c.input },
  };
}

function fromShapeCase(c: ShapeCase): Checked {
  return {
    name: c.name,
    model: c.model,
    feeds: { x: { data: shapeInputData(c), dims: c.input.dims } },
  };
}

async function check(c: Checked): Promise<void> {
  const model = decodeModel(c.model);
  const index = new GraphIndex(model);
  const inputShapes = Object.fromEntries(Object.entries(c.feeds).map(([k, v]) => [k, [...v.dims]]));
  const table = inferShapes(index, defaultRegistry, { inputShapes });
  const names = model.graph!.node.flatMap((n) => n.output.filter(Boolean));
  const graphOutputs = new Set(model.graph!.output.map((o) => o.name));
  const extended = appendGraphOutputs(
    c.model,
    names.filter((n) => !graphOutputs.has(n)).map((name) => ({ name })),
  );
  const s = await session(extended);
  const tensors: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(c.feeds))
    tensors[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(tensors, names);
  let compared = 0;
  for (const name of names) {
    const actual = out[name]!;
    const inferred = table.get(name);
    // A data-dependent dim (NonZero's count) may stay symbolic; every other dim must be known.
    const expected = actual.dims.map((d, i) =>
      typeof inferred?.[i] === 'string' && name.startsWith('nz') ? inferred[i] : d,
    );
    expect(inferred, `${c.name}: shape of '${name}'`).toEqual(expected);
    const folded = table.value(name);
    if (folded) {
      const values = Array.from(actual.data as ArrayLike<number | bigint>, Number);
      expect(folded.values, `${c.name}: folded value of '${name}'`).toEqual(values);
      compared++;
    }
  }
  expect(names.length).toBeGreaterThan(0);
  return void compared;
}

describe('shape inference against onnxruntime', () => {
  const all: Checked[] = [
    ...Object.entries(ruleCases).flatMap(([op, cases]) => cases.map((c) => fromRuleCase(op, c))),
    ...shapeCases.map(fromShapeCase),
  ];
  it.each(all)('$name', (c) => check(c));
});
