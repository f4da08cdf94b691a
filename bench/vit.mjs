// A Vision Transformer built in code, for the benchmarks: the graph torchvision's
// VisionTransformer exports (patch Conv, class token, position embedding, pre-norm encoder
// blocks with multi-head attention and a GELU MLP, the class token through a linear head), in
// standard ONNX ops at opset 17, with weights from the counter-hash generator (random, fixed).
// ViT-B/16 is vitB16(); small configurations keep the bench smoke test quick.
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { counterHash } from '../test/helpers/counter-hash.mjs';

const FLOAT = 1;
const INT64 = 7;

function tensor(name, dims, dataType, bytes) {
  return { name, dims: dims.map(BigInt), dataType, rawData: bytes };
}

function attr(name, value) {
  if (typeof value === 'string') return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value.map(BigInt) };
  if (Number.isInteger(value)) return { name, type: 2, i: BigInt(value) };
  return { name, type: 1, f: value };
}

/**
 * The ONNX bytes of a ViT: `image` × `image` RGB input `input`, `patch`-pixel patches,
 * `layers` encoder blocks of width `hidden` with `heads` heads and an MLP of `mlp`, `classes`
 * logits in `logits`.
 */
export function buildVit({ image, patch, layers, hidden, heads, mlp, classes }) {
  const nodes = [];
  const initializers = [];
  let k = 0;
  const weight = (name, dims, std) => {
    const n = dims.reduce((p, q) => p * q, 1);
    // Uniform with standard deviation `std`.
    const values = counterHash(`vit/${name}`, n, 0, std * Math.sqrt(3));
    initializers.push(tensor(name, dims, FLOAT, new Uint8Array(values.buffer)));
    return name;
  };
  const ints = (values) => {
    const name = `const_${k++}`;
    const data = BigInt64Array.from(values.map(BigInt));
    initializers.push(tensor(name, [values.length], INT64, new Uint8Array(data.buffer)));
    return name;
  };
  const intScalar = (value) => {
    const name = `const_${k++}`;
    initializers.push(
      tensor(name, [], INT64, new Uint8Array(BigInt64Array.of(BigInt(value)).buffer)),
    );
    return name;
  };
  const scalar = (value) => {
    const name = `const_${k++}`;
    initializers.push(tensor(name, [], FLOAT, new Uint8Array(Float32Array.of(value).buffer)));
    return name;
  };
  const op = (opType, inputs, attrs = {}, outputs = 1) => {
    const outs = Array.from({ length: outputs }, () => `t_${k++}`);
    nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: `${opType}_${k++}`,
      attribute: Object.entries(attrs).map(([n, v]) => attr(n, v)),
    });
    return outputs === 1 ? outs[0] : outs;
  };
  const grid = image / patch;
  const tokens = grid * grid + 1;
  const headDim = hidden / heads;
  const linear = (x, name, cin, cout) =>
    op('Add', [
      op('MatMul', [x, weight(`${name}.weight`, [cin, cout], 1 / Math.sqrt(cin))]),
      weight(`${name}.bias`, [cout], 0.02),
    ]);
  const layerNorm = (x, name) =>
    op(
      'LayerNormalization',
      [x, weight(`${name}.weight`, [hidden], 0.1), weight(`${name}.bias`, [hidden], 0.02)],
      { axis: -1, epsilon: 1e-6 },
    );

  const conv = op(
    'Conv',
    [
      'input',
      weight('conv_proj.weight', [hidden, 3, patch, patch], 1 / Math.sqrt(3 * patch * patch)),
      weight('conv_proj.bias', [hidden], 0.02),
    ],
    { kernel_shape: [patch, patch], strides: [patch, patch] },
  );
  const seq = op('Transpose', [op('Reshape', [conv, ints([1, hidden, grid * grid])])], {
    perm: [0, 2, 1],
  });
  let x = op('Add', [
    op('Concat', [weight('class_token', [1, 1, hidden], 0.5), seq], { axis: 1 }),
    weight('pos_embedding', [1, tokens, hidden], 0.5),
  ]);
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layers.${l}`;
    const h = layerNorm(x, `${p}.ln_1`);
    const qkv = op(
      'Transpose',
      [
        op('Reshape', [
          linear(h, `${p}.qkv`, hidden, 3 * hidden),
          ints([1, tokens, 3, heads, headDim]),
        ]),
      ],
      {
        perm: [2, 0, 3, 1, 4],
      },
    );
    const [q, kk, v] = op('Split', [qkv], { axis: 0 }, 3).map((t) => op('Squeeze', [t, ints([0])]));
    const scores = op('Mul', [
      op('MatMul', [q, op('Transpose', [kk], { perm: [0, 1, 3, 2] })]),
      scalar(1 / Math.sqrt(headDim)),
    ]);
    const attn = op('MatMul', [op('Softmax', [scores], { axis: -1 }), v]);
    const merged = op('Reshape', [
      op('Transpose', [attn], { perm: [0, 2, 1, 3] }),
      ints([1, tokens, hidden]),
    ]);
    x = op('Add', [x, linear(merged, `${p}.out_proj`, hidden, hidden)]);
    const m = linear(layerNorm(x, `${p}.ln_2`), `${p}.mlp.0`, hidden, mlp);
    // GELU as torch exports it: x·½(1 + erf(x/√2)).
    const gelu = op('Mul', [
      op('Mul', [m, op('Add', [op('Erf', [op('Div', [m, scalar(Math.SQRT2)])]), scalar(1)])]),
      scalar(0.5),
    ]);
    x = op('Add', [x, linear(gelu, `${p}.mlp.3`, mlp, hidden)]);
  }
  // The class token, x[:, 0] (a Gather with a scalar index, as torch exports it).
  const flat = op('Gather', [layerNorm(x, 'encoder.ln'), intScalar(0)], { axis: 1 });
  nodes.push({
    opType: 'Gemm',
    input: [
      flat,
      weight('heads.head.weight', [classes, hidden], 1 / Math.sqrt(hidden)),
      weight('heads.head.bias', [classes], 0.02),
    ],
    output: ['logits'],
    name: 'head',
    attribute: [attr('transB', 1)],
  });
  const valueInfo = (name, dims) => ({
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType: FLOAT,
          shape: { dim: dims.map((d) => ({ value: { case: 'dimValue', value: BigInt(d) } })) },
        },
      },
    },
  });
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'fv-bench',
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'vit',
      node: nodes,
      initializer: initializers,
      input: [valueInfo('input', [1, 3, image, image])],
      output: [valueInfo('logits', [1, classes])],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

/** ViT-B/16 at 224×224 (86 M parameters, random weights). */
export const vitB16 = () =>
  buildVit({ image: 224, patch: 16, layers: 12, hidden: 768, heads: 12, mlp: 3072, classes: 1000 });

/** A small ViT for the quick smoke run. */
export const vitTiny = () =>
  buildVit({ image: 32, patch: 8, layers: 2, hidden: 64, heads: 4, mlp: 128, classes: 10 });
