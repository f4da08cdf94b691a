#!/usr/bin/python3
"""PyTorch reference for the vanilla saliency map of the real MobileNetV2 on chelsea.png.

Issue #5 asks that the vanilla and SmoothGrad maps of MobileNetV2 for ``chelsea.png`` concentrate
on the cat (mean saliency inside the box of its face at least twice the mean outside). fv's
vanilla map does not (about 0.9). This script computes the same map with PyTorch autograd,
independently of fv, so the test can tell a property of the model from a bug in fv:

* the photo is resized to 224×224 with Pillow (bilinear) and stored as ``chelsea-224.png``
  (scikit-image sample data, CC0), so that fv's test feeds exactly the same pixels (no resize on
  its side);
* the ONNX graph of ``mobilenet_v2_1.0_224.onnx`` (Conv, Clip, Add, GlobalAveragePool, Flatten,
  Softmax, Identity) is run by a small interpreter in float64 on torch, from its float32
  weights; the input is ``(px − 128) / 128`` (the model's documented preprocessing);
* stored: the top-5 logits, d logit[Egyptian cat] / d input reduced to the signed map
  S = (∂score/∂I)[c*] with c* = argmax over channels of |∂score/∂I| (``chelsea-mobilenet-s.f32``,
  224×224 little-endian float32; M = |S|), the inside/outside ratio of M for the face box of
  ``chelsea-head.json`` scaled to 224×224 (pixel centres), and, for information, the ratio of
  SmoothGrad and SmoothGrad² maps (32 samples, torch's noise) for several noise levels σ (as a
  fraction of the input tensor's range, fv's definition).

The model comes from the shared models folder (``FV_MODELS_DIR``, default ``../shared/models``)
and is never committed. Regenerate (Debian python3-torch 1.13, python3-onnx 1.12, Pillow; the test
command never runs it)::

    /usr/bin/python3 tools/saliency_mobilenet.py [--out test/fixtures/saliency]

Deterministic: a rerun gives identical files.
"""

import argparse
import json
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)

EGYPTIAN_CAT = 286
SIGMAS = [0.1, 0.15, 0.2, 0.25, 0.3]


def interpreter(path):
    model = onnx.load(path)
    weights = {
        t.name: torch.tensor(numpy_helper.to_array(t).astype(np.float64))
        for t in model.graph.initializer
    }

    def forward(x):
        env = dict(weights)
        env[model.graph.input[0].name] = x
        for n in model.graph.node:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
            i = [env[k] if k else None for k in n.input]
            if n.op_type == 'Conv':
                p = a.get('pads', [0, 0, 0, 0])
                y = F.conv2d(
                    F.pad(i[0], (p[1], p[3], p[0], p[2])),
                    i[1],
                    i[2] if len(i) > 2 else None,
                    stride=a.get('strides', [1, 1]),
                    dilation=a.get('dilations', [1, 1]),
                    groups=a.get('group', 1),
                )
            elif n.op_type == 'Clip':
                y = torch.clamp(i[0], float(i[1]), float(i[2]))
            elif n.op_type == 'Add':
                y = i[0] + i[1]
            elif n.op_type == 'Identity':
                y = i[0]
            elif n.op_type == 'GlobalAveragePool':
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif n.op_type == 'Flatten':
                y = i[0].flatten(1)
            elif n.op_type == 'Softmax':
                y = torch.softmax(i[0], -1)
            else:
                raise ValueError(f'op {n.op_type} not handled by this interpreter')
            env[n.output[0]] = y
        return env['logits']

    return forward


def face_mask(box, source_w, source_h, size=224):
    """Pixels of the size×size map whose centre falls in the source-pixel box."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    sx, sy = xs * source_w / size, ys * source_h / size
    return (sx >= box['x0']) & (sx < box['x1']) & (sy >= box['y0']) & (sy < box['y1'])


def ratio(m, mask):
    return float(m[mask].mean() / m[~mask].mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='test/fixtures/saliency')
    parser.add_argument(
        '--models', default=os.environ.get('FV_MODELS_DIR', '../shared/models')
    )
    args = parser.parse_args()

    photo = Image.open(os.path.join(args.models, 'images/chelsea.png')).convert('RGB')
    source_w, source_h = photo.size
    small = photo.resize((224, 224), Image.BILINEAR)
    small.save(os.path.join(args.out, 'chelsea-224.png'), optimize=True)
    px = np.asarray(small, dtype=np.float64).transpose(2, 0, 1)[None]
    x0 = torch.tensor((px - 128) / 128)

    forward = interpreter(os.path.join(args.models, 'imagenet/mobilenet_v2_1.0_224.onnx'))
    x = x0.clone().requires_grad_(True)
    logits = forward(x)
    top5 = torch.topk(logits[0], 5)
    logits[0, EGYPTIAN_CAT].backward()
    g = x.grad[0].numpy()
    cstar = np.abs(g).argmax(0)
    s = np.take_along_axis(g, cstar[None], 0)[0].astype(np.float32)
    s.astype('<f4').tofile(os.path.join(args.out, 'chelsea-mobilenet-s.f32'))

    with open(os.path.join(args.out, 'chelsea-head.json')) as f:
        box = json.load(f)['box']
    mask = face_mask(box, source_w, source_h)

    span = float(x0.max() - x0.min())
    sweep = []
    gen = torch.Generator().manual_seed(0)
    for sigma in SIGMAS:
        acc = np.zeros_like(g)
        acc2 = np.zeros_like(g)
        n = 32
        for _ in range(n):
            noise = torch.randn(x0.shape, generator=gen, dtype=torch.float64) * sigma * span
            xn = (x0 + noise).requires_grad_(True)
            forward(xn)[0, EGYPTIAN_CAT].backward()
            gn = xn.grad[0].numpy()
            acc += gn
            acc2 += gn * gn
        sweep.append(
            {
                'sigma': sigma,
                'smoothgrad': round(ratio(np.abs(acc / n).max(0), mask), 3),
                'smoothgradSquared': round(ratio((acc2 / n).max(0), mask), 3),
            }
        )
        print(sweep[-1])

    reference = {
        'description': 'PyTorch (float64) reference for MobileNetV2 on chelsea-224.png; '
        'generated by tools/saliency_mobilenet.py, never edit by hand',
        'image': 'chelsea-224.png',
        'target': EGYPTIAN_CAT,
        'top5': [int(i) for i in top5.indices],
        'top5Logits': [round(float(v), 5) for v in top5.values],
        'signedMap': 'chelsea-mobilenet-s.f32',
        'vanillaInsideOutside': round(ratio(np.abs(s), mask), 4),
        'inputRange': round(span, 6),
        'smoothgradSweep': sweep,
    }
    with open(os.path.join(args.out, 'chelsea-mobilenet.json'), 'w') as f:
        json.dump(reference, f, indent=1)
        f.write('\n')
    print(json.dumps({k: v for k, v in reference.items() if k != 'smoothgradSweep'}))


if __name__ == '__main__':
    main()
