// Gradients of the real pretrained models in the shared models folder, checked against finite
// differences of the forward model: along the gradient itself (the derivative must be ‖g‖) and
// along random directions confined to small patches (which cross few ReLU kinks). float32
// forward passes give errors of a few 1e-3 here; a wrong gradient gives errors near 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithModels } from '../../../test/helpers/models.js';
import { gradCheck } from './helpers/gradcheck.js';
import { randomArray } from './helpers/onnx-model.js';

const cases = [
  {
    file: 'mnist/mnist-8.onnx',
    input: 'Input3',
    dims: [1, 1, 28, 28],
    output: 'Plus214_Output_0',
    range: [0, 255],
  },
  {
    file: 'cifar10/resnet20.onnx',
    input: 'input',
    dims: [1, 3, 32, 32],
    output: 'logits',
    range: [-2, 2],
  },
  {
    file: 'imagenet/mobilenet_v1_0.25_128.onnx',
    input: 'input',
    dims: [1, 3, 128, 128],
    output: 'logits',
    range: [-1, 1],
  },
  {
    file: 'imagenet/mobilenet_v2_1.0_224.onnx',
    input: 'input',
    dims: [1, 3, 224, 224],
    output: 'logits',
    range: [-1, 1],
  },
] as const;

describeWithModels('gradients of the shared pretrained models', (dir) => {
  for (const c of cases) {
    it(`${c.file}: logit gradient agrees with finite differences`, async () => {
      const bytes = new Uint8Array(readFileSync(join(dir, c.file)));
      const n = c.dims.reduce((a: number, b: number) => a * b, 1);
      const seed = new Float32Array(
        c.output === 'Plus214_Output_0' ? 10 : c.file.includes('cifar') ? 10 : 1001,
      );
      seed[3] = 1;
      const r = await gradCheck(bytes, {
        objective: { kind: 'logit', output: c.output },
        input: {
          name: c.input,
          data: randomArray(n, 5, c.range[0], c.range[1]),
          dims: [...c.dims],
        },
        seed,
        directions: 3,
        eps: c.range[1] > 100 ? 1e-1 : 1e-3,
        directionKind: 'patch',
      });
      expect(r.alongGradientError).toBeLessThan(2e-2);
      expect(r.worstNormalizedError).toBeLessThan(5e-2);
    }, 120_000);
  }
});
