// Issue #4: does keeping tensors on the GPU between the runs of a Deep Dream loop pay off on
// onnxruntime-web's native WebGPU execution provider (1.30)? One page in headless Chromium runs
// the same loop of gradient runs several ways, interleaved repetition by repetition:
//
//   cpu            what the engine does today: CPU input tensor, value and gradient fetched to the
//                  CPU (onnxruntime downloads them), step math in JavaScript
//   gpu-out        same, outputs with `preferredOutputLocation: 'gpu-buffer'`, then getData()
//   value-on-gpu   the gradient comes to the CPU, the value stays on the GPU (disposed unread)
//   grad-only      the value is not fetched at all
//   gpu-in         input written into a GPUBuffer on onnxruntime's device, fed with
//                  Tensor.fromGpuBuffer; outputs as `cpu`
//   all-gpu        upper bound: the step math too runs on the GPU (a small ONNX "step" model),
//                  the image never leaves the GPU; `all-gpu+value` also reads the value each step
//   independent-*  runs that do not depend on each other (tiles, SmoothGrad samples): one after
//                  the other with CPU outputs, or all enqueued with GPU outputs, then downloaded
//
// It also times session creation and the first run against later runs (weights resident: the
// session is created once, initializers are uploaded then). Model: models/default/shapes10.onnx,
// Deep Dream objective (mean square of `block3`), gradient model from @fv/autodiff's dist.
//
//   node bench/webgpu-loop.mjs [--steps 20] [--reps 5] [--tensor block3] [--only cpu,gpu-out,…]
//                              [--json FILE]
//
// On these machines WebGPU is SwiftShader (a CPU emulation of a GPU): its "uploads" and
// "downloads" are memory copies, so the ratios say what the API path costs here, not what a real
// GPU's transfers cost.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import { CHROMIUM, withChromiumPage } from './chromium.mjs';
import { compare, median, repoRoot } from './util.mjs';

function parseArgs(argv) {
  const a = { steps: 20, reps: 5, tensor: 'block3', only: undefined, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--steps') a.steps = Number(argv[++i]);
    else if (k === '--reps') a.reps = Number(argv[++i]);
    else if (k === '--tensor') a.tensor = argv[++i];
    else if (k === '--only') a.only = argv[++i].split(',');
    else if (k === '--json') a.json = argv[++i];
    else throw new Error(`webgpu-loop: unknown argument ${k}`);
  }
  return a;
}

const STEP_SIZE = 0.01;
const EPS = 1e-8;

function valueInfo(name, dims) {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: TensorProto_DataType.FLOAT,
          shape: create(TensorShapeProtoSchema, {
            dim: dims.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value: { case: 'dimValue', value: BigInt(d) },
              }),
            ),
          }),
        }),
      },
    }),
  });
}

/** x' = x + step · g / (mean|g| + ε): the JavaScript step below, as an ONNX model. */
function stepModel(dims) {
  const scalar = (name, v) =>
    create(TensorProtoSchema, {
      name,
      dims: [],
      dataType: TensorProto_DataType.FLOAT,
      floatData: [v],
    });
  const node = (opType, input, output, attribute = []) =>
    create(NodeProtoSchema, { opType, input, output, name: output[0], attribute });
  const keep = create(AttributeProtoSchema, {
    name: 'keepdims',
    type: AttributeProto_AttributeType.INT,
    i: 1n,
  });
  const graph = create(GraphProtoSchema, {
    name: 'step',
    node: [
      node('Abs', ['g'], ['abs']),
      node('ReduceMean', ['abs'], ['mean'], [keep]),
      node('Add', ['mean', 'eps'], ['denom']),
      node('Div', ['g', 'denom'], ['unit']),
      node('Mul', ['unit', 'lr'], ['delta']),
      node('Add', ['x', 'delta'], ['y']),
    ],
    initializer: [scalar('eps', EPS), scalar('lr', STEP_SIZE)],
    input: [valueInfo('x', dims), valueInfo('g', dims)],
    output: [valueInfo('y', dims)],
  });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: 'fv-bench',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
      graph,
    }),
  );
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>fv webgpu loop</title><script type="module">
import * as ort from '/node_modules/onnxruntime-web/dist/ort.webgpu.bundle.min.mjs';
const main = async () => {
  ort.env.wasm.numThreads = 1;
  const cfg = await (await fetch('/__fv/config.json')).json();
  const gradBytes = new Uint8Array(await (await fetch('/__fv/grad.onnx')).arrayBuffer());
  const stepBytes = new Uint8Array(await (await fetch('/__fv/step.onnx')).arrayBuffer());
  const { dims, input, value, grad, seeds, reps, stepSize, eps } = cfg;
  let steps = 1;
  const n = dims.reduce((a, b) => a * b, 1);
  const x0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const base = { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' };
  const timed = async (f) => { const t = performance.now(); const r = await f(); return [r, performance.now() - t]; };
  const create = {};
  const [sCpu, c1] = await timed(() => ort.InferenceSession.create(gradBytes, base)); create.cpu = c1;
  const [sGpu, c2] = await timed(() => ort.InferenceSession.create(gradBytes, { ...base, preferredOutputLocation: 'gpu-buffer' })); create.gpuOut = c2;
  const [sVal, c3] = await timed(() => ort.InferenceSession.create(gradBytes, { ...base, preferredOutputLocation: { [value]: 'gpu-buffer', [grad]: 'cpu' } })); create.valueOnGpu = c3;
  const [sStep, c4] = await timed(() => ort.InferenceSession.create(stepBytes, { ...base, preferredOutputLocation: 'gpu-buffer' })); create.step = c4;
  const device = await ort.env.webgpu.device;
  const seedFeeds = () => { const f = {}; for (const s of seeds) f[s.name] = new ort.Tensor('float32', new Float32Array(s.size).fill(1 / s.size), s.dims); return f; };
  const stepJs = (x, g) => { let m = 0; for (let i = 0; i < n; i++) m += Math.abs(g[i]); m /= n; const k = stepSize / (m + eps); for (let i = 0; i < n; i++) x[i] += k * g[i]; };
  const inBuf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const disposeAll = (r) => { for (const t of Object.values(r)) t.dispose(); };
  const loops = {
    async cpu(x, values) {
      for (let i = 0; i < steps; i++) {
        const r = await sCpu.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [value, grad]);
        values.push(r[value].data[0]); stepJs(x, r[grad].data); disposeAll(r);
      }
      return x;
    },
    async 'gpu-out'(x, values) {
      for (let i = 0; i < steps; i++) {
        const r = await sGpu.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [value, grad]);
        values.push((await r[value].getData())[0]); stepJs(x, await r[grad].getData()); disposeAll(r);
      }
      return x;
    },
    async 'value-on-gpu'(x, values) {
      for (let i = 0; i < steps; i++) {
        const r = await sVal.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [value, grad]);
        values.push(NaN); stepJs(x, r[grad].data); disposeAll(r);
      }
      return x;
    },
    async 'grad-only'(x, values) {
      for (let i = 0; i < steps; i++) {
        const r = await sCpu.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [grad]);
        values.push(NaN); stepJs(x, r[grad].data); disposeAll(r);
      }
      return x;
    },
    async 'gpu-in'(x, values) {
      for (let i = 0; i < steps; i++) {
        device.queue.writeBuffer(inBuf, 0, x);
        const t = ort.Tensor.fromGpuBuffer(inBuf, { dataType: 'float32', dims });
        const r = await sCpu.run({ [input]: t, ...seedFeeds() }, [value, grad]);
        values.push(r[value].data[0]); stepJs(x, r[grad].data); disposeAll(r);
      }
      return x;
    },
    async 'all-gpu'(x, values, readValue = false) {
      device.queue.writeBuffer(inBuf, 0, x);
      let xt = ort.Tensor.fromGpuBuffer(inBuf, { dataType: 'float32', dims });
      let owned = false;
      for (let i = 0; i < steps; i++) {
        const r = await sGpu.run({ [input]: xt, ...seedFeeds() }, [value, grad]);
        values.push(readValue ? (await r[value].getData())[0] : NaN);
        const s = await sStep.run({ x: xt, g: r[grad] });
        disposeAll(r);
        if (owned) xt.dispose();
        xt = s.y; owned = true;
      }
      const out = await xt.getData();
      if (owned) xt.dispose();
      x.set(out);
      return x;
    },
    async 'all-gpu+value'(x, values) { return loops['all-gpu'](x, values, true); },
    // Independent runs (the tiles of one step, the samples of SmoothGrad): one after the other with
    // CPU outputs, or all enqueued with GPU outputs first and downloaded afterwards.
    async 'independent-cpu'(x, values) {
      for (let i = 0; i < steps; i++) {
        const r = await sCpu.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [value, grad]);
        values.push(r[value].data[0]); disposeAll(r);
      }
      return x;
    },
    async 'independent-gpu-enqueued'(x, values) {
      const rs = [];
      for (let i = 0; i < steps; i++) rs.push(await sGpu.run({ [input]: new ort.Tensor('float32', x, dims), ...seedFeeds() }, [value, grad]));
      for (const r of rs) { values.push((await r[value].getData())[0]); await r[grad].getData(); disposeAll(r); }
      return x;
    },
  };
  const names = Object.keys(loops).filter((k) => !cfg.only || k === 'cpu' || cfg.only.includes(k));
  const perStep = Object.fromEntries(names.map((k) => [k, []]));
  const finals = {};
  // First run of each session (uploads, shader compilation) against the next ones.
  const firstRuns = {};
  for (const [k, s] of [['cpu', sCpu], ['gpu-out', sGpu], ['value-on-gpu', sVal]]) {
    const t = [];
    for (let i = 0; i < 4; i++) {
      const [r, ms] = await timed(() => s.run({ [input]: new ort.Tensor('float32', x0.slice(), dims), ...seedFeeds() }, [value, grad]));
      disposeAll(r); t.push(ms);
    }
    firstRuns[k] = t;
  }
  // warm-up of every loop (one step each), then interleaved, rotating order
  for (const k of names) await loops[k](x0.slice(), []);
  steps = cfg.steps;
  for (let rep = 0; rep < reps; rep++) {
    for (let j = 0; j < names.length; j++) {
      const k = names[(j + rep) % names.length];
      const values = [];
      const [x, ms] = await timed(() => loops[k](x0.slice(), values));
      perStep[k].push(ms / steps);
      if (rep === 0) finals[k] = { x: Array.from(x), values };
    }
  }
  for (const s of [sCpu, sGpu, sVal, sStep]) await s.release();
  inBuf.destroy();
  return { create, firstRuns, perStep, finals, adapter: device.adapterInfo ? { vendor: device.adapterInfo.vendor, architecture: device.adapterInfo.architecture } : undefined };
};
main().then((r) => { window.fvResult = r; }, (e) => { window.fvResult = { error: String(e && e.stack || e) }; });
</script>`;

export async function benchWebgpuLoop({
  steps = 20,
  reps = 5,
  tensor = 'block3',
  only = undefined,
  log = () => {},
}) {
  if (!existsSync(CHROMIUM)) return { skipped: `Chromium not found at ${CHROMIUM}` };
  const { buildGradientModel } = await import(join(repoRoot, 'packages/autodiff/dist/index.js'));
  const modelFile = join(repoRoot, 'models/default/shapes10.onnx');
  const dims = [1, 3, 64, 64];
  const gm = buildGradientModel(readFileSync(modelFile), {
    objective: { kind: 'layer', tensor },
    wrt: ['input'],
    inputShapes: { input: dims },
  });
  const grad = gm.gradientOutputs.input;
  if (Object.keys(gm.seedInputs).length > 0) throw new Error('webgpu-loop: use a layer objective');
  const seeds = [];
  const config = {
    dims,
    input: 'input',
    value: gm.valueOutput,
    grad,
    seeds,
    steps,
    reps,
    only,
    stepSize: STEP_SIZE,
    eps: EPS,
  };
  const files = new Map([
    ['/__fv/loop.html', PAGE],
    ['/__fv/config.json', JSON.stringify(config)],
    ['/__fv/grad.onnx', gm.bytes],
    ['/__fv/step.onnx', stepModel(dims)],
  ]);
  const loadAtStart = loadavg()[0];
  return withChromiumPage(files, async (page, origin, context) => {
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    log(`webgpu loop: ${steps} steps × ${reps} repetitions, objective layer ${tensor}`);
    await page.goto(`${origin}/__fv/loop.html`);
    await page.waitForFunction(() => window.fvResult !== undefined, null, {
      timeout: 600_000,
      polling: 100,
    });
    const r = await page.evaluate(() => window.fvResult);
    if (r.error) throw new Error(`${r.error}\n${errors.join('\n')}`);
    const cpu = median(r.perStep.cpu);
    const loops = {};
    for (const [k, xs] of Object.entries(r.perStep)) {
      const f = r.finals[k];
      loops[k] = {
        perStepMs: { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) },
        ratioToCpu: median(xs) / cpu,
        // loops: the final image against the CPU loop's; independent runs: their values
        ...(k.startsWith('independent')
          ? {
              valuesRelL2VsCpu: compare(f.values, r.finals['independent-cpu']?.values ?? f.values)
                .relErr,
            }
          : { finalRelL2VsCpu: compare(f.x, r.finals.cpu.x).relErr }),
      };
    }
    return {
      model: 'models/default/shapes10.onnx',
      objective: `layer ${tensor} (mean-square)`,
      dims,
      steps,
      reps,
      browser: context.browser()?.version(),
      loadAverage1m: { start: loadAtStart, end: loadavg()[0] },
      adapter: r.adapter,
      sessionCreateMs: r.create,
      firstRunsMs: r.firstRuns,
      loops,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2));
  const result = await benchWebgpuLoop({ ...args, log: (m) => console.error(m) });
  const text = JSON.stringify(result, null, 2);
  if (args.json) writeFileSync(args.json, `${text}\n`);
  console.log(text);
}
