// What the explanation metrics cost (@fv/core's evaluate over @fv/runtime's engine, wasm): per
// metric and method, for one image, the model evaluations it makes (forward and gradient passes,
// counted per batch item, and engine calls) and the wall time. Counts are exact and do not depend
// on the machine; times do. The loops run in place here, through a counting wrapper of the engine
// (in the worker they make the same calls without the message round trips).
//
// Models: the default model (64×64) always; MobileNetV2 224 from the shared models folder in full
// runs. Quick runs: the default model, fewer settings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterizedLayers, randomizeLayers } from '@fv/autodiff';
import { evaluate, presets, saliency } from '@fv/core';
import { createEngine } from '@fv/runtime';
import { decodePng } from '@fv/viz';
import { modelsDir, repoRoot } from './util.mjs';

/** Wraps an engine (without `run`, so loops run here) and counts what it is asked to do. */
function counting(engine, counts) {
  return {
    get info() {
      return engine.info;
    },
    async forward(input, options) {
      counts.calls++;
      counts.forward += input.dims[0];
      return engine.forward(input, options);
    },
    async gradient(input, objective, options) {
      counts.calls++;
      counts.gradient += input.dims[0];
      return engine.gradient(input, objective, options);
    },
    dispose: () => engine.dispose(),
  };
}

const zero = () => ({ forward: 0, gradient: 0, calls: 0, models: 0 });

export async function benchMetrics({ quick, log = () => {} }) {
  const defaultDir = join(repoRoot, 'models/default');
  const models = [
    {
      model: 'default (models/default/shapes10.onnx)',
      file: join(defaultDir, 'shapes10.onnx'),
      config: JSON.parse(readFileSync(join(defaultDir, 'shapes10.fv.json'), 'utf8')),
      image: join(defaultDir, 'heldout', readdirSync(join(defaultDir, 'heldout')).sort()[0]),
      points: quick ? 2 : undefined,
    },
  ];
  const shared = modelsDir();
  if (!quick && shared) {
    models.push({
      model: 'MobileNetV2 224',
      file: join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
      config: { ...presets.tensorflow, logits: 'logits' },
      image: join(shared, 'images/chelsea.png'),
      points: 4,
      // RISE at 224 × 224 (4000 forward passes per map) is left to the default model here.
      rise: false,
    });
  }
  const rows = [];
  for (const m of models) {
    const methods = quick
      ? [{ method: 'vanilla', target: 'top' }]
      : [
          { method: 'vanilla', target: 'top' },
          { method: 'smoothgrad', target: 'top', samples: 50 },
          { method: 'grad-cam', target: 'top' },
          ...(m.rise === false ? [] : [{ method: 'rise', target: 'top', masks: 4000 }]),
        ];
    const bytes = new Uint8Array(readFileSync(m.file));
    const engine = await createEngine({ model: bytes, backend: 'wasm', numThreads: 1 });
    const image = decodePng(new Uint8Array(readFileSync(m.image)));
    const layers = parameterizedLayers(bytes).map((l) => l.name);
    // Deletion and insertion change one input row's worth of pixels per step by default.
    const width = engine.info.inputs[0].dims.at(-1);
    try {
      for (const method of methods) {
        // RISE's sensitivity reruns 4000 masks 10 times: left out (its cost is 10 × the map's).
        const metrics = [
          'explanation',
          'deletion',
          'insertion',
          'infidelity',
          ...(method.method === 'rise' ? [] : ['sensitivity']),
          'randomization',
        ];
        const counts = zero();
        const counted = counting(engine, counts);
        // The explanation the attribution metrics score (it is not counted again below).
        const explanation = await saliency(counted, image, method, m.config);
        for (const metric of metrics) {
          const c = zero();
          const e = counting(engine, c);
          const started = performance.now();
          if (metric === 'explanation') {
            await saliency(e, image, method, m.config);
          } else if (metric === 'randomization') {
            const models = {
              layers,
              async randomize(count) {
                c.models++;
                const r = await createEngine({
                  model: randomizeLayers(bytes, { layers: layers.slice(0, count) }),
                  backend: 'wasm',
                  numThreads: 1,
                });
                return counting(r, c);
              },
            };
            await evaluate(
              e,
              image,
              {
                metric,
                target: explanation.target,
                saliency: method,
                models,
                explanation,
                ...(m.points ? { points: m.points } : {}),
              },
              m.config,
            );
          } else {
            const specific =
              metric === 'deletion' || metric === 'insertion'
                ? { map: explanation.map }
                : metric === 'infidelity'
                  ? { attribution: explanation.attribution }
                  : { saliency: method, explanation };
            await evaluate(e, image, { metric, target: explanation.target, ...specific }, m.config);
          }
          const ms = performance.now() - started;
          const detail =
            metric === 'randomization'
              ? `${m.points ?? layers.length} of ${layers.length} cascade points`
              : metric === 'deletion' || metric === 'insertion'
                ? `${width} px per step (the input width)`
                : metric === 'explanation'
                  ? ''
                  : '10 perturbations';
          rows.push({
            model: m.model,
            method: method.method,
            settings: method.samples
              ? `${method.samples} samples`
              : method.masks
                ? `${method.masks} masks`
                : '',
            metric,
            detail,
            ...c,
            ms,
          });
          log(
            `  ${m.model} ${method.method} ${metric}: ${c.forward} forward, ${c.gradient} gradient, ${c.calls} calls, ${ms.toFixed(0)} ms`,
          );
        }
      }
    } finally {
      await engine.dispose();
    }
  }
  return { threads: 1, rows };
}
