#!/usr/bin/python3
"""Reference feature visualizations made by Lucent's own ``render_vis`` on an ONNX model, for
``bench/dream-quality.mjs`` (which scores them next to fv's images with one evaluator).

Lucent (github.com/greentfrapp/lucent, the PyTorch port of Lucid) is imported from a checkout given
with ``--lucent`` (the folder that contains ``lucent/``); nothing of it is copied here. Its
dependencies that Debian lacks are stood in for: kornia <= 0.4.1 by ``tools/lucent_transforms.py``
(the three functions Lucent calls), ``IPython.display`` by an empty module (only used to show
images). The ONNX model runs as a ``torch.nn.Module`` built node by node (Conv with explicit,
possibly asymmetric pads, Clip, Add, GlobalAveragePool, Flatten, Softmax, Identity, Relu, MaxPool,
Gemm), each node a submodule named by its output tensor, so that Lucent's ``hook_model`` finds every
tensor by its ONNX name.

Each objective is rendered with Lucent's defaults: ``param.image(size)`` (Fourier, decorrelated
colour), ``transform.standard_transforms`` plus the model's input normalization, Adam 0.05,
``thresholds=(steps,)``, and ``render_vis``'s upsampling to 224 when the image is smaller.
``np.random`` and ``torch`` are seeded with each seed.

Usage (Debian ``python3-torch`` 1.13, ``python3-onnx``; use /usr/bin/python3)::

    git -C /path/to/lucent.git archive HEAD | tar -x -C /tmp/lucent
    /usr/bin/python3 tools/lucent_reference.py --lucent /tmp/lucent \\
        --model $FV_MODELS_DIR/imagenet/mobilenet_v2_1.0_224.onnx --out /tmp/lucent-images \\
        [--steps 512] [--size 128] [--seeds 0,1] [--mean 0.5 --std 0.5] \\
        [--units LAYER:C,…;…] [--neurons LAYER:C,…;…] [--classes 286]

Writes ``<out>/<name>-seed<k>.png`` (8-bit RGB) and ``<out>/manifest.json`` (objective, seed,
file, seconds; images of earlier runs into the same folder are kept). The test command never runs
it.
"""
import argparse
import json
import os
import sys
import time
import types

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lucent_transforms import install_kornia_shim  # noqa: E402


class Node(nn.Module):
    """One ONNX node: ``fn(*inputs)``; a module so that Lucent can hook its output."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


class OnnxNet(nn.Module):
    def __init__(self, path):
        super().__init__()
        model = onnx.load(path)
        g = model.graph
        self.consts = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
        self.input_name = [i.name for i in g.input if i.name not in self.consts][0]
        self.steps = []
        for k, n in enumerate(g.node):
            fn = self.make(n)
            name = n.output[0].replace(".", "_")
            self.add_module(name, Node(fn))
            self.steps.append((name, list(n.input), n.output[0]))
        self.outputs = [o.name for o in g.output]

    def const(self, name):
        return self.consts[name]

    def make(self, n):
        op = n.op_type
        if op == "Conv":
            w = nn.Parameter(self.const(n.input[1]).float(), requires_grad=False)
            b = self.const(n.input[2]).float() if len(n.input) > 2 else None
            pads = attr(n, "pads", [0, 0, 0, 0])
            stride = attr(n, "strides", [1, 1])
            dil = attr(n, "dilations", [1, 1])
            group = attr(n, "group", 1)
            t, l, bt, r = pads[0], pads[1], pads[2], pads[3]
            return lambda x: F.conv2d(
                F.pad(x, [l, r, t, bt]), w, b, stride=stride, dilation=dil, groups=group
            )
        if op == "Clip":
            lo = float(self.const(n.input[1])) if len(n.input) > 1 and n.input[1] else attr(n, "min")
            hi = float(self.const(n.input[2])) if len(n.input) > 2 and n.input[2] else attr(n, "max")
            return lambda x: torch.clamp(x, lo, hi)
        if op == "Relu":
            return lambda x: F.relu(x)
        if op == "Add":
            return lambda a, b: a + b
        if op == "GlobalAveragePool":
            return lambda x: x.mean(dim=(2, 3), keepdim=True)
        if op == "Flatten":
            axis = attr(n, "axis", 1)
            return lambda x: torch.flatten(x, axis)
        if op == "Softmax":
            axis = attr(n, "axis", -1)
            return lambda x: F.softmax(x, dim=axis)
        if op == "Identity":
            return lambda x: x
        if op == "MaxPool":
            k = attr(n, "kernel_shape")
            s = attr(n, "strides", k)
            p = attr(n, "pads", [0, 0, 0, 0])
            return lambda x: F.max_pool2d(F.pad(x, [p[1], p[3], p[0], p[2]], value=-1e30), k, s)
        if op == "Gemm":
            w = self.const(n.input[1]).float()
            b = self.const(n.input[2]).float()
            trans_b = attr(n, "transB", 0)
            return lambda x: F.linear(x, w if trans_b else w.t(), b)
        raise NotImplementedError(f"ONNX op {op} ({n.name})")

    def forward(self, x):
        env = {self.input_name: x}
        for name, inputs, out in self.steps:
            args = [env[i] for i in inputs if i in env]  # weights and bounds live in the node
            env[out] = getattr(self, name)(*args)
        return env[self.outputs[0]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lucent", required=True, help="folder that contains lucent/")
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=512)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--mean", type=float, default=0.5)
    parser.add_argument("--std", type=float, default=0.5)
    parser.add_argument(
        "--units",
        default="MobilenetV2/expanded_conv_3/expand/Relu6:7,20,63,120;"
        "MobilenetV2/expanded_conv_10/expand/Relu6:3,17,42,101",
        help="LAYER:C,C,…;LAYER:…",
    )
    parser.add_argument("--classes", default="286", help="class indices of the first output")
    parser.add_argument(
        "--neurons",
        default="MobilenetV2/expanded_conv_10/expand/Relu6:42",
        help="LAYER:C,…;… (the centre neuron of each channel)",
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    install_kornia_shim()
    ipython = types.ModuleType("IPython")
    ipython.display = types.ModuleType("IPython.display")
    sys.modules["IPython"] = ipython
    sys.modules["IPython.display"] = ipython.display
    sys.path.insert(0, args.lucent)
    from lucent.optvis import objectives, param, render, transform  # noqa: E402

    net = OnnxNet(args.model).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    objs = []
    for part in [p for p in args.units.split(";") if p]:
        layer, chans = part.rsplit(":", 1)
        key = layer.replace(".", "_")
        for c in chans.split(","):
            objs.append((f"{layer.split('/')[1]}-{c}", key, int(c)))
    for part in [p for p in args.neurons.split(";") if p]:
        layer, chans = part.rsplit(":", 1)
        for c in chans.split(","):
            objs.append((f"{layer.split('/')[1]}-{c}-neuron", layer.replace(".", "_"), int(c)))
    for c in [c for c in args.classes.split(",") if c]:
        objs.append((f"class-{c}", net.outputs[0].replace(".", "_"), int(c)))

    normalize = lambda x: (x - args.mean) / args.std  # noqa: E731
    os.makedirs(args.out, exist_ok=True)
    manifest_file = os.path.join(args.out, "manifest.json")
    manifest = []
    if os.path.exists(manifest_file):  # add to an earlier run's images
        with open(manifest_file) as f:
            manifest = json.load(f)["images"]
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name, layer, channel in objs:
            np.random.seed(seed)
            torch.manual_seed(seed)
            t0 = time.time()
            objective = (
                objectives.neuron(layer, channel)
                if name.endswith("-neuron")
                else objectives.channel(layer, channel)
            )
            images = render.render_vis(
                net,
                objective,
                param_f=lambda: param.image(args.size),
                transforms=transform.standard_transforms + [normalize],
                thresholds=(args.steps,),
                preprocess=False,
                progress=False,
                show_image=False,
            )
            rgb = np.clip(images[-1][0], 0, 1)
            file = f"{name}-seed{seed}.png"
            Image.fromarray((rgb * 255 + 0.5).astype(np.uint8)).save(os.path.join(args.out, file))
            manifest = [m for m in manifest if not (m["name"] == name and m["seed"] == seed)]
            manifest.append(
                {
                    "name": name,
                    "layer": layer,
                    "channel": channel,
                    "seed": seed,
                    "file": file,
                    "seconds": round(time.time() - t0, 1),
                }
            )
            print(f"{file}: {manifest[-1]['seconds']} s", flush=True)
            with open(manifest_file, "w") as f:
                json.dump({"steps": args.steps, "size": args.size, "images": manifest}, f, indent=1)


if __name__ == "__main__":
    main()
