// Cases for the ops through which no gradient flows (their rules describe shapes and fold known
// values): each is a tiny model whose intermediate tensors are checked against onnxruntime.
import { DataType, makeFloatTensor } from '../../src/onnx.js';
import { randomArray } from '../helpers/onnx-model.js';
import { node, type TinySpec, tinyModel } from '../helpers/tiny-model.js';

export interface ShapeCase {
  readonly name: string;
  readonly model: Uint8Array;
  readonly input: { dims: number[]; data?: Float32Array };
}

const ints = (data: number[], dims = [data.length]) => ({ dims, data });
const floatConst = (data: number[], dims: number[]) => ({
  value: { tensor: makeFloatTensor('', dims, data) },
});

function shapeCase(
  name: string,
  dims: number[],
  nodes: TinySpec['nodes'],
  extra: Omit<TinySpec, 'inputs' | 'nodes'> = {},
  data?: Float32Array,
): ShapeCase {
  return {
    name,
    model: tinyModel({ inputs: { x: dims }, nodes, ...extra }),
    input: { dims, ...(data ? { data } : {}) },
  };
}

/** x [2, 3, 4, 5] and the shape arithmetic exporters wrap around it. */
export const shapeCases: ShapeCase[] = [
  shapeCase(
    'Shape → Gather → Unsqueeze → Concat → Reshape (flatten after the batch dim)',
    [2, 3, 4, 5],
    [
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'zero'], ['n']),
      node('Unsqueeze', ['n', 'ax0'], ['n1']),
      node('Concat', ['n1', 'minus1'], ['target'], { axis: { int: 0 } }),
      node('Reshape', ['x', 'target'], ['y']),
    ],
    { ints: { zero: ints([0], []), ax0: ints([0]), minus1: ints([-1]) } },
  ),
  shapeCase(
    'Shape with start and end (opset 15), Size, ConstantOfShape',
    [2, 3, 4, 5],
    [
      node('Shape', ['x'], ['s'], { start: { int: 1 }, end: { int: -1 } }),
      node('Shape', ['x'], ['s2'], { start: { int: -2 } }),
      node('Size', ['x'], ['n']),
      node('ConstantOfShape', ['s2'], ['z']),
      node('Add', ['z', 'x'], ['y']),
    ],
    { opset: 15 },
  ),
  shapeCase(
    'Range, Equal, Where, Expand (torch expand with −1)',
    [2, 3, 1, 5],
    [
      node('Range', ['start', 'limit', 'delta'], ['r']),
      node('Equal', ['want', 'minus1'], ['is_minus']),
      node('Shape', ['x'], ['s']),
      node('Where', ['is_minus', 's', 'want'], ['target']),
      node('Expand', ['x', 'target'], ['e']),
      node('Cast', ['r'], ['rf'], { to: { int: DataType.FLOAT } }),
      node('Add', ['e', 'rf'], ['y']),
    ],
    {
      ints: {
        start: ints([0], []),
        limit: ints([5], []),
        delta: ints([1], []),
        want: ints([-1, -1, 4, -1]),
        minus1: ints([-1], []),
      },
    },
  ),
  shapeCase(
    'comparisons, logic, Not, Mod and Div on shape values',
    [6, 2],
    [
      node('Shape', ['x'], ['s']),
      node('Mod', ['s', 'four'], ['m']),
      node('Div', ['s', 'four'], ['d']),
      node('Greater', ['m', 'zero'], ['g']),
      node('Less', ['d', 'two'], ['l']),
      node('GreaterOrEqual', ['d', 'one'], ['ge']),
      node('LessOrEqual', ['m', 'one'], ['le']),
      node('And', ['g', 'l'], ['a']),
      node('Or', ['ge', 'le'], ['o']),
      node('Xor', ['a', 'o'], ['xo']),
      node('Not', ['xo'], ['nx']),
      node('Cast', ['nx'], ['nf'], { to: { int: DataType.FLOAT } }),
      node('Mul', ['x', 'nf'], ['y']),
    ],
    {
      opset: 16,
      ints: { four: ints([4], []), zero: ints([0], []), two: ints([2], []), one: ints([1], []) },
    },
  ),
  shapeCase(
    'window partition: Reshape, Transpose, Reshape (Swin)',
    [1, 8, 8, 3],
    [
      node('Reshape', ['x', 'win'], ['w']),
      node('Transpose', ['w'], ['t'], { perm: { ints: [0, 1, 3, 2, 4, 5] } }),
      node('Reshape', ['t', 'flat'], ['y']),
    ],
    { ints: { win: ints([1, 2, 4, 2, 4, 3]), flat: ints([-1, 16, 3]) } },
  ),
  shapeCase(
    'pad amounts reordered by Slice with step −1 (torch F.pad)',
    [1, 3, 5, 5],
    [
      node('Reshape', ['pads', 'pairs'], ['p2']),
      node('Slice', ['p2', 'st', 'en', 'ax', 'step'], ['rev']),
      node('Transpose', ['rev'], ['tr'], { perm: { ints: [1, 0] } }),
      node('Reshape', ['tr', 'minus1'], ['flat']),
      node('Pad', ['x', 'flat'], ['y']),
    ],
    {
      ints: {
        pads: ints([1, 2, 0, 3, 0, 0, 0, 0]),
        pairs: ints([-1, 2]),
        st: ints([-1]),
        en: ints([-9007199254740991]),
        ax: ints([0]),
        step: ints([-1]),
        minus1: ints([-1]),
      },
    },
  ),
  shapeCase(
    'Floor, Ceil, Round, Sign, IsNaN, IsInf, ArgMax, ArgMin, NonZero',
    [2, 5],
    [
      node('Floor', ['x'], ['f']),
      node('Ceil', ['x'], ['c']),
      node('Round', ['x'], ['r']),
      node('Sign', ['x'], ['s']),
      node('IsNaN', ['x'], ['nan']),
      node('IsInf', ['x'], ['inf']),
      node('ArgMax', ['x'], ['am'], { axis: { int: 1 } }),
      node('ArgMin', ['x'], ['an'], { axis: { int: 0 }, keepdims: { int: 0 } }),
      node('NonZero', ['f'], ['nz']),
      node('Add', ['f', 'c'], ['fc']),
      node('Add', ['fc', 'r'], ['fcr']),
      node('Add', ['fcr', 's'], ['y']),
    ],
    {},
    Float32Array.from([-2.5, -1.5, -0.4, 0.5, 1.5, 2.5, 0, 3.7, -3.2, 0.2]),
  ),
  shapeCase(
    'Constant, Tile, Gather of a constant table (relative position bias)',
    [2, 3],
    [
      node(
        'Constant',
        [],
        ['table'],
        floatConst(
          Array.from({ length: 12 }, (_, i) => i),
          [4, 3],
        ),
      ),
      node('Gather', ['table', 'idx'], ['bias']),
      node('Tile', ['x', 'reps'], ['t']),
      node('Add', ['t', 'bias'], ['y']),
    ],
    { ints: { idx: ints([0, 3, 1, 2], [4]), reps: ints([2, 1]) } },
  ),
];

export const shapeInputData = (c: ShapeCase): Float32Array =>
  c.input.data ??
  randomArray(
    c.input.dims.reduce((p, q) => p * q, 1),
    17,
  );
