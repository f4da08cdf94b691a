import { randomArray } from '../../helpers/onnx-model.js';
import { logit, opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, tinyModel } from '../../helpers/tiny-model.js';

const w = (dims: number[], seed: number) => ({
  dims,
  data: randomArray(
    dims.reduce((p, q) => p * q, 1),
    seed,
  ),
});

/** y = Gemm(a, b, c) where one of a, b, c is the input x (the others are weights). */
function gemm(
  name: string,
  wrt: 'a' | 'b' | 'c',
  shapes: { a: number[]; b: number[]; c?: number[] },
  attrs: Record<string, { int: number } | { float: number }> = {},
  opset?: number,
): RuleCase {
  const names = { a: 'a', b: 'b', c: 'c' };
  names[wrt] = 'x';
  const floats: Record<string, { dims: number[]; data: Float32Array }> = {};
  (['a', 'b', 'c'] as const).forEach((k, i) => {
    const dims = shapes[k];
    if (k !== wrt && dims) floats[k] = w(dims, i + 1);
  });
  return opCase(name, 'Gemm', {
    dims: shapes[wrt]!,
    inputs: shapes.c ? [names.a, names.b, names.c] : [names.a, names.b],
    attrs,
    floats,
    ...(opset ? { opset } : {}),
  });
}

export const Gemm: RuleCase[] = [
  gemm('A, plain', 'a', { a: [2, 3], b: [3, 4], c: [4] }),
  gemm('A, transB (a Linear layer)', 'a', { a: [2, 3], b: [4, 3], c: [4] }, { transB: { int: 1 } }),
  gemm(
    'A, transA, alpha 0.7',
    'a',
    { a: [3, 2], b: [3, 4] },
    {
      transA: { int: 1 },
      alpha: { float: 0.7 },
    },
  ),
  gemm(
    'A, transA and transB',
    'a',
    { a: [3, 2], b: [4, 3], c: [2, 4] },
    {
      transA: { int: 1 },
      transB: { int: 1 },
    },
  ),
  gemm('B, plain', 'b', { a: [2, 3], b: [3, 4] }),
  gemm(
    'B, transB, alpha 1.5',
    'b',
    { a: [2, 3], b: [4, 3] },
    {
      transB: { int: 1 },
      alpha: { float: 1.5 },
    },
  ),
  gemm(
    'B, transA and transB',
    'b',
    { a: [3, 2], b: [4, 3] },
    {
      transA: { int: 1 },
      transB: { int: 1 },
    },
  ),
  gemm(
    'C broadcast (1, 4), beta 0.3',
    'c',
    { a: [2, 3], b: [3, 4], c: [1, 4] },
    {
      beta: { float: 0.3 },
    },
  ),
  gemm(
    'A, transB, opset 9 (C required before opset 11)',
    'a',
    { a: [2, 3], b: [4, 3], c: [4] },
    {
      transB: { int: 1 },
    },
    9,
  ),
  gemm('B, opset 7', 'b', { a: [2, 3], b: [3, 4], c: [1] }, {}, 7),
  gemm('C scalar-like (1), opset 7', 'c', { a: [2, 3], b: [3, 4], c: [1] }, {}, 7),
  gemm(
    'C full (2, 4), opset 11',
    'c',
    { a: [2, 3], b: [3, 4], c: [2, 4] },
    {
      beta: { float: -2 },
    },
    11,
  ),
];

export const MatMul: RuleCase[] = [
  opCase('2-D, x on the left', 'MatMul', {
    dims: [2, 3],
    inputs: ['x', 'w'],
    floats: { w: w([3, 4], 1) },
  }),
  opCase('2-D, x on the right', 'MatMul', {
    dims: [3, 4],
    inputs: ['w', 'x'],
    floats: { w: w([2, 3], 2) },
  }),
  opCase('batched (2, 3, 4) @ (2, 4, 5)', 'MatMul', {
    dims: [2, 3, 4],
    inputs: ['x', 'w'],
    floats: { w: w([2, 4, 5], 3) },
  }),
  opCase('broadcast weight (4, 5) over a batch', 'MatMul', {
    dims: [2, 2, 3, 4],
    inputs: ['x', 'w'],
    floats: { w: w([4, 5], 4) },
  }),
  opCase('x broadcast over a batched weight (summed back)', 'MatMul', {
    dims: [3, 4],
    inputs: ['x', 'w'],
    floats: { w: w([2, 4, 5], 5) },
  }),
  opCase('x (1, 3, 4) against (2, 4, 2): batch dim 1 summed', 'MatMul', {
    dims: [1, 3, 4],
    inputs: ['x', 'w'],
    floats: { w: w([2, 4, 2], 6) },
  }),
  opCase('x on the right, broadcast batch', 'MatMul', {
    dims: [4, 5],
    inputs: ['w', 'x'],
    floats: { w: w([2, 3, 4], 7) },
  }),
  {
    name: 'both operands from x (x @ xᵀ)',
    model: tinyModel({
      inputs: { x: [3, 4] },
      nodes: [
        node('Transpose', ['x'], ['xt'], { perm: { ints: [1, 0] } }),
        node('MatMul', ['x', 'xt'], ['y']),
      ],
    }),
    input: { name: 'x', dims: [3, 4], data: randomArray(12, 8) },
    objective: logit(),
  },
];

const weights = (dims: number[], seed: number) => ({
  dims,
  data: randomArray(
    dims.reduce((p, q) => p * q, 1),
    seed,
  ),
});

export const Einsum: RuleCase[] = [
  opCase('attention scores q·kᵀ, both from x (bij,bkj->bik)', 'Einsum', {
    dims: [2, 3, 4],
    inputs: ['x', 'x'],
    attrs: { equation: { string: 'bij,bkj->bik' } },
  }),
  opCase('attention times values (bhqk,bhkd->bhqd)', 'Einsum', {
    dims: [1, 2, 3, 3],
    inputs: ['x', 'v'],
    floats: { v: weights([1, 2, 3, 4], 2) },
    attrs: { equation: { string: 'bhqk,bhkd->bhqd' } },
  }),
  opCase('ellipsis and a weight (...ij,jk->...ik)', 'Einsum', {
    dims: [2, 3, 4],
    inputs: ['x', 'w'],
    floats: { w: weights([4, 5], 3) },
    attrs: { equation: { string: '...ij,jk->...ik' } },
  }),
  opCase('implicit output (ij,jk)', 'Einsum', {
    dims: [3, 4],
    inputs: ['w', 'x'],
    floats: { w: weights([2, 3], 4) },
    attrs: { equation: { string: 'ij,jk' } },
  }),
  opCase('a letter summed within x only (ij,j->i... as bij->bi)', 'Einsum', {
    dims: [2, 3, 4],
    attrs: { equation: { string: 'bij->bi' } },
  }),
  opCase('three operands (ij,jk,kl->il)', 'Einsum', {
    dims: [3, 4],
    inputs: ['a', 'x', 'c'],
    floats: { a: weights([2, 3], 5), c: weights([4, 2], 6) },
    attrs: { equation: { string: 'ij,jk,kl->il' } },
  }),
];
