// `fv grad MODEL --input x.npy (--target N | --layer NAME [--channel C]) --out g.npy`: the raw
// gradient of a logit or a layer objective with respect to a preprocessed input tensor.
import { FvError, imageToTensor, type Objective, type ReluMode, type Tensor } from '@fv/core';
import { readBytes, readImage, writeFileAtomic } from '../files.js';
import { checkLayer, type ModelFlags, parseTarget, resolveModel, withSession } from '../model.js';
import { readNpy, writeNpy } from '../npy.js';
import { parseNumber } from '../options.js';
import { elapsed, printJson, println } from '../output.js';

export interface GradOptions extends ModelFlags {
  readonly input?: string;
  readonly target?: string;
  readonly layer?: string;
  readonly channel?: string;
  readonly reduce?: string;
  readonly relu?: string;
  readonly out?: string;
  readonly json?: boolean;
}

export async function grad(modelPath: string, o: GradOptions): Promise<void> {
  if (!o.input) throw new FvError('INVALID_ARGUMENT', '--input x.npy is required');
  if (!o.out) throw new FvError('INVALID_ARGUMENT', '--out g.npy is required');
  if ((o.target === undefined) === (o.layer === undefined)) {
    throw new FvError('INVALID_ARGUMENT', 'Give exactly one of --target N or --layer NAME');
  }
  if (o.channel !== undefined && !o.layer) {
    throw new FvError('INVALID_ARGUMENT', '--channel needs --layer');
  }
  const relu = (o.relu ?? 'standard') as ReluMode;
  const model = await resolveModel(modelPath, o);
  const config = model.resolved;
  const array = readNpy(readBytes(o.input, 'Input'), `'${o.input}'`);
  // Shape, ReLU mode, channel and reduce are checked by the engine and @fv/autodiff.
  const input: Tensor = { data: array.data, dims: array.shape };
  let objective: Objective;
  let seed: number | undefined;
  if (o.layer) {
    checkLayer(model, o.layer);
    if (o.channel !== undefined) {
      const channel = parseNumber(o.channel, '--channel', { integer: true, min: 0 })!;
      objective = { kind: 'channel', tensor: o.layer, channel };
    } else {
      const reduce = (o.reduce ?? 'mean-square') as 'mean-square' | 'mean';
      objective = { kind: 'layer', tensor: o.layer, reduce };
    }
  } else {
    const target = parseTarget(model, o.target, false);
    objective = { kind: 'logit', output: config.logits };
    seed = target as number;
  }
  await withSession(model, async ({ engine }) => {
    const start = performance.now();
    const result = await engine.gradient(input, objective, {
      relu,
      wrt: [config.input],
      ...(seed !== undefined ? { seed } : {}),
    });
    const g = result.gradients[config.input];
    if (!g) throw new FvError('INTERNAL', `The engine returned no gradient for '${config.input}'`);
    writeFileAtomic(o.out!, writeNpy({ data: g.data, shape: g.dims }));
    const ms = elapsed(start);
    if (o.json) printJson({ out: o.out, value: result.value, shape: g.dims, objective, ms });
    else
      println(
        `${o.out}: gradient of ${describe(objective, seed)} (value ${result.value.toPrecision(6)}), shape (${g.dims.join(', ')}), ${ms} ms`,
      );
  });
}

function describe(objective: Objective, seed: number | undefined): string {
  switch (objective.kind) {
    case 'logit':
      return `${objective.output}[${seed}]`;
    case 'channel':
      return `mean of ${objective.tensor} channel ${objective.channel}`;
    case 'layer':
      return `${objective.reduce ?? 'mean-square'} of ${objective.tensor}`;
    default:
      return objective.kind;
  }
}

export interface PreprocessOptions extends ModelFlags {
  readonly out?: string;
  readonly crop?: boolean;
}

/** `fv preprocess MODEL IMAGE --out x.npy`: the model input tensor of an image, as `.npy`. */
export async function preprocess(
  modelPath: string,
  image: string,
  o: PreprocessOptions,
): Promise<void> {
  if (!o.out) throw new FvError('INVALID_ARGUMENT', '--out x.npy is required');
  const config = (await resolveModel(modelPath, o)).resolved;
  const { tensor } = imageToTensor(readImage(image), config, o.crop ? { fit: 'center-crop' } : {});
  writeFileAtomic(o.out, writeNpy({ data: tensor.data, shape: tensor.dims }));
  println(`${o.out}: shape (${tensor.dims.join(', ')})`);
}
