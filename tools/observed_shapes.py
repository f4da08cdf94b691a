#!/usr/bin/python3
"""Generate the PyTorch golden for shapes that only a forward run can tell (@fv/runtime).

A small network whose middle depends on data in the graph's own terms: the rows of a feature map
kept by ``index_select`` are ``torch.nonzero`` of a buffer, so after export the Gather indices come
from a ``NonZero`` node and their count (6 of 8 rows) is not known before the model runs. Static
shape inference in @fv/autodiff therefore cannot tell the shapes after that Gather (the ReduceMean
gradient needs them), and @fv/runtime observes them in one forward run. The export keeps the
``NonZero`` (``do_constant_folding=False``, as exports of models that compute such indices do).

    input [N, 3, 8, 8] -> Conv 3x3 (3->4) -> Tanh -> rows nonzero(keep) of axis 2 (index_select,
    the layer objective's tensor) -> x * mean over rows and columns -> mean over rows and columns
    -> Linear (4->5) -> logits

Tanh and no max or ReLU: no kinks, so float32 runtimes agree with the float64 reference far below
the issue's tolerances.

Output (``--out``, default ``test/fixtures/observed-shapes``)::

    model.onnx       opset 13, free batch dim, input "input", output "logits"
    reference.json   input (2 images) and, computed in float64 from the same float32 weights and
                     input: logits; the gradient of sum_b logits[b, classes[b]] and of
                     sum_b mean(a_b ** 2) for the selected feature map a (tensor name recorded)

Regenerate with Debian's python3-torch 1.13 and python3-onnx 1.12 (use /usr/bin/python3)::

    /usr/bin/python3 tools/observed_shapes.py [--out test/fixtures/observed-shapes]

Deterministic (fixed seed, single thread). The test command never runs it.
"""

import argparse
import io
import json
import os

import onnx
import torch
import torch.nn as nn

CLASSES = [3, 1]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("keep", torch.tensor([1.0, 0, 1, 1, 0, 1, 1, 1]))
        self.fc = nn.Linear(4, 5)

    def selected(self, x):
        y = torch.tanh(self.conv(x))
        rows = torch.nonzero(self.keep).flatten()
        return y.index_select(2, rows)

    def forward(self, x):
        a = self.selected(x)
        z = a * a.mean(dim=(2, 3), keepdim=True)
        return self.fc(z.mean(dim=(2, 3)))


def references(model, x):
    m = Net().double().eval()
    m.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    x1 = x.double().clone().requires_grad_(True)
    logits = m(x1)
    seed = torch.zeros_like(logits)
    for b, c in enumerate(CLASSES):
        seed[b, c] = 1.0
    (g_logit,) = torch.autograd.grad((seed * logits).sum(), x1)
    x2 = x.double().clone().requires_grad_(True)
    layer_value = m.selected(x2).pow(2).flatten(1).mean(1).sum()
    (g_layer,) = torch.autograd.grad(layer_value, x2)
    return logits.detach(), g_logit, layer_value.item(), g_layer


def flat(t):
    return [float(v) for v in t.detach().to(torch.float32).flatten().tolist()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/observed-shapes")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = Net().eval()
    x = torch.randn(len(CLASSES), 3, 8, 8)

    buf = io.BytesIO()
    torch.onnx.export(
        model, x, buf, opset_version=13, input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=False)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    ops = [n.op_type for n in proto.graph.node]
    assert "NonZero" in ops, ops
    gather = next(n for n in proto.graph.node if n.op_type == "Gather" and n.input[0].endswith("Tanh_output_0"))
    layer = gather.output[0]

    logits, g_logit, layer_value, g_layer = references(model, x)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(proto.SerializeToString())
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump({
            "input": {"name": "input", "dims": list(x.shape), "data": flat(x)},
            "output": "logits",
            "logits": flat(logits),
            "classes": CLASSES,
            "logitGrad": flat(g_logit),
            "layer": {"tensor": layer, "dims": [len(CLASSES), 4, 6, 8], "value": layer_value},
            "layerGrad": flat(g_layer),
        }, f)
        f.write("\n")


if __name__ == "__main__":
    main()
