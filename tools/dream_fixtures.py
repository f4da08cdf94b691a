#!/usr/bin/python3
"""Generate the PyTorch reference fixtures for @fv/core's Deep Dream scheduler.

A small CNN (Conv-BN-ReLU, Conv-ReLU, MaxPool, Conv-ReLU, global pool, Linear; fixed-seed random
weights, non-trivial BatchNorm statistics) is exported to ONNX, and the original DeepDream update
(github.com/google/deepdream dream.ipynb ``make_step`` and ``deepdream``) is run on it in PyTorch
with jitter 0, so that nothing random is involved:

    g = d objective / d x
    x += step_size / mean(|g|) * g          ('mean-abs', the original), or
    x += step_size * g / std(g)             ('std', the TF2 tutorial)
    x = clip(x, lo, hi)

with octaves: successive bilinear downscales by ``octave_scale`` (``F.interpolate`` with
``align_corners=False`` to ``round(size / scale)``), the detail (dreamed - base) upscaled the same
way into the next octave.

Cases (``manifest.json`` lists them with their objectives and options):

* ``layer-l2``: objective mean(a**2) of a mid-network ReLU (the original "L2" objective),
  'mean-abs' normalization, 1 octave, 3 steps;
* ``channel-std``: objective mean over positions of one channel of that ReLU, 'std'
  normalization, 1 octave, 3 steps;
* ``layer-octaves``: the layer objective, 2 octaves of 2 steps, octave_scale 1.4.

Reference values are computed in float64 from the very float32 weights and input that the ONNX
file holds, then stored as float32.

Output (``--out``, default ``test/fixtures/dream``)::

    model.onnx      input "input" Nx3xHxW (free batch, height and width; 1x3x32x32 here),
                    output "logits" Nx10
    data.bin        float32 little-endian: the input, then per case the image after every step
    manifest.json   tensor names, dims, byte offsets, objective values per step, options

Regenerate (Debian ``python3-torch`` 1.13 and ``python3-onnx``; use /usr/bin/python3)::

    /usr/bin/python3 tools/dream_fixtures.py [--out test/fixtures/dream]

Deterministic (fixed seeds): running it twice gives identical bytes. The test command never runs it.
"""

import argparse
import io
import json
import os
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240607
SIZE = 32
RANGE = (-1.0, 1.0)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(12, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def features(self, x):
        a = F.relu(self.bn1(self.conv1(x)))
        b = F.relu(self.conv2(a))  # the dream layer
        return b

    def forward(self, x):
        b = self.features(x)
        c = F.relu(self.conv3(self.pool(b)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(c, 1), 1))


def build():
    torch.manual_seed(SEED)
    m = SmallNet()
    with torch.no_grad():
        m.bn1.running_mean.uniform_(-0.2, 0.2)
        m.bn1.running_var.uniform_(0.5, 1.5)
        m.bn1.weight.uniform_(0.5, 1.5)
        m.bn1.bias.uniform_(-0.2, 0.2)
    return m.eval()


def export(model, x):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), buf, input_names=["input"], output_names=["logits"],
                          opset_version=13, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                        "logits": {0: "batch"}})
    model.eval()
    return buf.getvalue()


def layer_tensor(onnx_bytes):
    """Output name of the second Relu node (the ReLU after conv2)."""
    g = onnx.load_from_string(onnx_bytes).graph
    relus = [n for n in g.node if n.op_type == "Relu"]
    return relus[1].output[0]


def resize(x, h, w):
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)


def dream(model64, x0, objective, normalization, step_size, octaves, steps, octave_scale):
    """The original deepdream() with jitter 0. Returns the images after every step and values."""
    bases = [x0]
    for _ in range(octaves - 1):
        h, w = bases[-1].shape[-2:]
        bases.append(resize(bases[-1], int(round(h / octave_scale)), int(round(w / octave_scale))))
    detail = None
    images, values = [], []
    for base in reversed(bases):
        h, w = base.shape[-2:]
        x = base.clone() if detail is None else base + resize(detail, h, w)
        for _ in range(steps):
            x = x.detach().requires_grad_(True)
            value = objective(model64.features(x))
            (g,) = torch.autograd.grad(value, x)
            if normalization == "mean-abs":
                x = x.detach() + step_size / (g.abs().mean() + 1e-8) * g
            else:
                x = x.detach() + step_size * g / (g.std(unbiased=False) + 1e-8)
            x = x.clamp(*RANGE)
            images.append(x.detach())
            values.append(float(value))
        detail = x.detach() - base
    return images, values


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="test/fixtures/dream")
    args = ap.parse_args()
    torch.set_num_threads(1)

    model = build()
    rng = np.random.default_rng(SEED)
    x32 = torch.from_numpy(rng.uniform(-0.9, 0.9, size=(1, 3, SIZE, SIZE)).astype(np.float32))
    onnx_bytes = export(model, x32)
    name = layer_tensor(onnx_bytes)
    model64 = build().double()
    x0 = x32.double()

    channel = 5
    cases = [
        {"name": "layer-l2", "objective": {"kind": "layer", "tensor": name, "reduce": "mean-square"},
         "fn": lambda a: (a ** 2).mean(), "normalization": "mean-abs", "stepSize": 0.05,
         "octaves": 1, "steps": 3, "octaveScale": 1.4},
        {"name": "channel-std", "objective": {"kind": "channel", "tensor": name, "channel": channel},
         "fn": lambda a: a[:, channel].mean(), "normalization": "std", "stepSize": 0.02,
         "octaves": 1, "steps": 3, "octaveScale": 1.4},
        {"name": "layer-octaves", "objective": {"kind": "layer", "tensor": name, "reduce": "mean-square"},
         "fn": lambda a: (a ** 2).mean(), "normalization": "mean-abs", "stepSize": 0.05,
         "octaves": 2, "steps": 2, "octaveScale": 1.4},
    ]

    os.makedirs(args.out, exist_ok=True)
    blobs = [x32.numpy().astype("<f4").ravel()]
    offset = blobs[0].nbytes
    manifest = {
        "generator": "tools/dream_fixtures.py",
        "torch": torch.__version__,
        "input": {"name": "input", "dims": [1, 3, SIZE, SIZE], "offset": 0},
        "range": list(RANGE),
        "layer": name,
        "cases": [],
    }
    for c in cases:
        images, values = dream(model64, x0, c["fn"], c["normalization"], c["stepSize"], c["octaves"],
                               c["steps"], c["octaveScale"])
        frames = []
        for img in images:
            arr = img.numpy().astype("<f4").ravel()
            frames.append({"dims": list(img.shape), "offset": offset})
            blobs.append(arr)
            offset += arr.nbytes
        manifest["cases"].append({
            "name": c["name"], "objective": c["objective"], "normalization": c["normalization"],
            "stepSize": c["stepSize"], "octaves": c["octaves"], "steps": c["steps"],
            "octaveScale": c["octaveScale"], "values": values, "frames": frames,
        })
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    with open(os.path.join(args.out, "data.bin"), "wb") as f:
        for b in blobs:
            f.write(b.tobytes())
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: layer {name}, {len(cases)} cases, {offset} bytes of data")


if __name__ == "__main__":
    main()
