#!/usr/bin/python3
"""Generate the quantized-model goldens for @fv/autodiff (issue #14): a small ViT-style classifier
quantized two ways by rewriting its float ONNX export, with PyTorch's straight-through gradients.

* ``qdq``: static QDQ (onnxruntime's QDQ format): weights int8 (per output channel for the patch
  Conv, per tensor for MatMuls) behind DequantizeLinear; every Conv/MatMul activation input through
  QuantizeLinear → DequantizeLinear (uint8, per tensor, scale and zero point calibrated on the
  golden input with a margin, so nothing saturates);
* ``dynamic``: dynamic quantization (the ``model_quantized.onnx`` pattern of transformers.js /
  onnxruntime's ``quantize_dynamic``): every Conv/MatMul with a constant weight becomes
  DynamicQuantizeLinear(x) → ConvInteger / MatMulInteger(x_q, W_q uint8, x_zp, W_zp) → Cast →
  Mul(x_scale · W_scale).

The float model is written here with explicit nn.Linear/nn.Conv2d layers (``QLayer``) so that the
PyTorch reference applies the very same quantization: dequantized weights, and activations
fake-quantized (statically, or dynamically from the tensor's own range as DynamicQuantizeLinear
computes it) with the straight-through estimator ``x + (q(x) − x).detach()``: the gradient of the
dequantized float computation, which is what @fv/autodiff gives (docs/autodiff.md, "Quantized
models").

Output (``--out``, default ``test/fixtures/autodiff-quantized``)::

    <variant>.onnx.gz   the quantized model (weights included: a few KB)
    <variant>.bin       float32 LE: input | logits | logit grad | layer grad
    manifest.json       layout, objectives, op types, f32VsF64

Regenerate (Debian python3-torch 1.13, python3-onnx 1.12)::

    /usr/bin/python3 tools/autodiff_quantized.py [--out DIR]

Deterministic; never run by the tests.
"""

import argparse
import copy
import gzip
import io
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper as nph
import torch
import torch.nn as nn
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autodiff_fixtures import compare  # noqa: E402
from autodiff_matrix import counter_hash, objectives  # noqa: E402

NUM_CLASSES = 10
LOGIT_CLASS = 3  # objectives() seeds class 3 for the first batch item
OPSET = 13

# ----------------------------------------------------------------------------------------------
# quantization arithmetic (as onnxruntime computes it)
# ----------------------------------------------------------------------------------------------


def fake_quant(x, scale, zp, lo=0, hi=255):
    """(clamp(round(x/scale) + zp) − zp)·scale with a straight-through gradient."""
    q = torch.clamp(torch.round(x / scale) + zp, lo, hi)
    return x + ((q - zp) * scale - x).detach()


def dynamic_params(x):
    """DynamicQuantizeLinear's uint8 scale and zero point for x (range extended to include 0),
    computed in float32 as onnxruntime does."""
    lo = torch.clamp(x.detach().float().min(), max=0.0)
    hi = torch.clamp(x.detach().float().max(), min=0.0)
    scale = (hi - lo) / 255.0
    zp = torch.clamp(torch.round(-lo / scale), 0, 255)
    return scale.to(x.dtype), zp.to(x.dtype)


def quantize_weight(w, axis=None):
    """Symmetric int8 weights (per tensor, or per slice along `axis`): (q, float32 scale)."""
    w = w.detach().float()
    if axis is None:
        scale = w.abs().max() / 127.0
    else:
        dims = [d for d in range(w.dim()) if d != axis]
        scale = w.abs().amax(dim=dims, keepdim=True) / 127.0
    q = torch.clamp(torch.round(w / scale), -127, 127)
    return q.to(torch.int8), scale


# ----------------------------------------------------------------------------------------------
# the float model
# ----------------------------------------------------------------------------------------------


class QLayer(nn.Module):
    """A Linear or Conv2d whose input and weight the quantization modes below act on."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.mode = "float"
        self.act = None  # static (scale, zp)
        self.w_axis = 0 if isinstance(inner, nn.Conv2d) else None

    def weight(self):
        w = self.inner.weight
        if self.mode == "float":
            return w
        # qdq: per output channel for the Conv; dynamic: per tensor (stored as uint8, zero point 128)
        q, s = quantize_weight(w, self.w_axis if self.mode == "qdq" else None)
        return q.to(w.dtype) * s.to(w.dtype)

    def forward(self, x):
        if self.mode == "qdq":
            x = fake_quant(x, *self.act)
        elif self.mode == "dynamic":
            x = fake_quant(x, *dynamic_params(x))
        if isinstance(self.inner, nn.Conv2d):
            c = self.inner
            return nn.functional.conv2d(x, self.weight(), c.bias, c.stride, c.padding)
        return nn.functional.linear(x, self.weight(), self.inner.bias)


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (QLayer(nn.Linear(d, d)) for _ in range(4))
        self.ln2 = nn.LayerNorm(d)
        self.fc1, self.fc2 = QLayer(nn.Linear(d, mlp)), QLayer(nn.Linear(mlp, d))

    def forward(self, x):
        n, t, d = x.shape
        h = self.ln1(x)
        split = lambda y: y.reshape(n, t, self.heads, d // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), dim=-1)
        x = x + self.o((a @ v).transpose(1, 2).reshape(n, t, d))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x))))


class TinyViT(nn.Module):
    def __init__(self, d=32, depth=2, heads=2, patch=8, image=32):
        super().__init__()
        self.patch = QLayer(nn.Conv2d(3, d, patch, patch))
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, d))
        self.blocks = nn.Sequential(*[Block(d, heads, 2 * d) for _ in range(depth)])
        self.ln = nn.LayerNorm(d)
        self.head = QLayer(nn.Linear(d, NUM_CLASSES))

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.blocks(x)
        return self.head(self.ln(x)[:, 0])


def build():
    model = TinyViT()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                off, sc = 0.0, 0.1
            elif name.startswith(("ln", "blocks")) and ".ln" in f".{name}" and name.endswith("weight"):
                off, sc = 0.7, 0.3
            elif p.dim() <= 1 or name in ("cls", "pos"):
                off, sc = 0.0, 0.3
            else:
                off, sc = 0.0, math.sqrt(3.0 / p[0].numel())
            p.copy_(torch.from_numpy(counter_hash(f"quantized/{name}", p.numel(), off, sc)).reshape(p.shape))
    return model.eval()


def layers(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, QLayer)}


# ----------------------------------------------------------------------------------------------
# ONNX rewriting
# ----------------------------------------------------------------------------------------------


def consumers(graph, name):
    return [n for n in graph.node if name in n.input]


def weight_node(graph, weight_name):
    """The Conv/MatMul/Gemm that uses a layer's weight; the weight as a [K, N] matrix for a MatMul
    (or as is for a Conv); the node that reads the weight initializer; a Transpose to remove."""
    inits = {t.name: t for t in graph.initializer}
    w = nph.to_array(inits[weight_name])
    (user,) = consumers(graph, weight_name)
    if user.op_type == "Transpose":
        perm = [a.ints for a in user.attribute if a.name == "perm"]
        (mm,) = consumers(graph, user.output[0])
        return mm, np.transpose(w, perm[0] if perm else None), user
    if user.op_type == "Gemm":
        attrs = {a.name: helper.get_attribute_value(a) for a in user.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise RuntimeError(f"{user.name}: Gemm with transA, alpha or beta")
        return user, (w.T if attrs.get("transB", 0) else w), user
    return user, w, user


def rewrite(float_bytes, model, mode):
    """The float export rewritten to `mode` ('qdq' or 'dynamic'), weights quantized like QLayer."""
    proto = onnx.load_from_string(float_bytes)
    g = proto.graph
    added = []
    removed = []
    for lname, layer in layers(model).items():
        wname = f"{lname}.inner.weight"
        node, w, reader = weight_node(g, wname)
        x = node.input[0]
        is_conv = node.op_type == "Conv"
        if node.op_type not in ("Conv", "MatMul", "Gemm"):
            raise RuntimeError(f"{lname}: weight used by {node.op_type}")
        wt = torch.from_numpy(np.ascontiguousarray(w))
        if mode == "qdq":
            # The weight initializer itself is replaced (its reader, a Transpose or the op, stays).
            axis = 0 if is_conv else None
            q, s = quantize_weight(torch.from_numpy(nph.to_array(next(t for t in g.initializer if t.name == wname))), axis)
            s = s.reshape(-1) if axis is not None else s.reshape(())
            wq, ws, wz = f"{lname}.w_q", f"{lname}.w_scale", f"{lname}.w_zp"
            g.initializer.extend([nph.from_array(q.numpy(), wq), nph.from_array(s.numpy().astype(np.float32), ws),
                                  nph.from_array(np.zeros(s.shape, np.int8), wz)])
            deq = f"{lname}.w_deq"
            added.append((reader, helper.make_node("DequantizeLinear", [wq, ws, wz], [deq], name=f"{lname}/w_dequant",
                                                 **({"axis": 0} if axis is not None else {}))))
            a_s, a_z = layer.act
            xs, xz, xq, xd = f"{lname}.x_scale", f"{lname}.x_zp", f"{lname}.x_q", f"{lname}.x_dq"
            g.initializer.extend([nph.from_array(np.array(float(a_s), np.float32), xs),
                                  nph.from_array(np.array(int(a_z), np.uint8), xz)])
            added.append((node, helper.make_node("QuantizeLinear", [x, xs, xz], [xq], name=f"{lname}/x_quant")))
            added.append((node, helper.make_node("DequantizeLinear", [xq, xs, xz], [xd], name=f"{lname}/x_dequant")))
            node.input[0] = xd
            reader.input[list(reader.input).index(wname)] = deq
        else:
            q, s = quantize_weight(wt)
            wq = (q.numpy().astype(np.int16) + 128).astype(np.uint8)
            names = {k: f"{lname}.{k}" for k in ("w_q", "w_zp", "w_scale", "x_q", "x_scale", "x_zp", "y_int",
                                                  "y_float", "scale", "y")}
            g.initializer.extend([nph.from_array(wq, names["w_q"]), nph.from_array(np.array(128, np.uint8), names["w_zp"]),
                                  nph.from_array(np.array(float(s), np.float32), names["w_scale"])])
            nodes = [
                helper.make_node("DynamicQuantizeLinear", [x], [names["x_q"], names["x_scale"], names["x_zp"]],
                                 name=f"{lname}/dynamic_quant"),
                helper.make_node("ConvInteger" if is_conv else "MatMulInteger",
                                 [names["x_q"], names["w_q"], names["x_zp"], names["w_zp"]], [names["y_int"]],
                                 name=f"{lname}/integer",
                                 **({a.name: helper.get_attribute_value(a) for a in node.attribute} if is_conv else {})),
                helper.make_node("Cast", [names["y_int"]], [names["y_float"]], to=TensorProto.FLOAT, name=f"{lname}/cast"),
                helper.make_node("Mul", [names["x_scale"], names["w_scale"]], [names["scale"]], name=f"{lname}/scales"),
            ]
            bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
            y = node.output[0]
            if bias is not None:
                nodes.append(helper.make_node("Mul", [names["y_float"], names["scale"]], [names["y"]], name=f"{lname}/rescale"))
                if is_conv:
                    b = f"{lname}.bias_4d"
                    bv = nph.to_array(next(t for t in g.initializer if t.name == bias)).reshape(1, -1, 1, 1)
                    g.initializer.append(nph.from_array(bv, b))
                    bias = b
                nodes.append(helper.make_node("Add", [names["y"], bias], [y], name=f"{lname}/bias"))
            else:
                nodes.append(helper.make_node("Mul", [names["y_float"], names["scale"]], [y], name=f"{lname}/rescale"))
            added.extend((node, n) for n in nodes)
            removed.append(node)
            if reader is not node:
                removed.append(reader)
    # Insert the new nodes right before the node they feed (keeps the graph topologically sorted).
    order = list(g.node)
    out = []
    for n in order:
        for anchor, new in added:
            if anchor is n:
                out.append(new)
        if not any(n is r for r in removed):
            out.append(n)
    del g.node[:]
    g.node.extend(out)
    used = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.checker.check_model(proto)
    return proto


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/autodiff-quantized")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    model = build()
    x = torch.from_numpy(counter_hash("quantized/input", 3 * 32 * 32, 0.0, math.sqrt(3.0))).reshape(1, 3, 32, 32)
    # Static activation ranges (with a margin, so no value saturates) from the golden input.
    ranges = {}
    hooks = [m.register_forward_pre_hook(lambda mod, inp, n=n: ranges.__setitem__(n, inp[0].detach()))
             for n, m in layers(model).items()]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for n, m in layers(model).items():
        lo = min(float(ranges[n].min()) * 1.25, 0.0)
        hi = max(float(ranges[n].max()) * 1.25, 0.0)
        scale = np.float32((hi - lo) / 255.0)
        m.act = (torch.tensor(scale), torch.tensor(float(np.clip(np.round(-lo / scale), 0, 255))))
    for p in model.parameters():
        p.requires_grad_(True)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), buf, input_names=["input"], output_names=["logits"], opset_version=OPSET,
                          do_constant_folding=False)
    float_bytes = buf.getvalue()
    layer_module = "blocks.1"
    # the layer tensor: the last Add of block 1 (its output), found by its scoped node name
    float_proto = onnx.load_from_string(float_bytes)
    adds = [n for n in float_proto.graph.node if n.name.startswith("/blocks/blocks.1/") and n.op_type == "Add"]
    layer_tensor = adds[-1].output[0]
    entries = []
    for mode in ("qdq", "dynamic"):
        for m in layers(model).values():
            m.mode = mode
        proto = rewrite(float_bytes, model, mode)
        ref = objectives(model, x, layer_module, torch.float64)
        ref32 = objectives(model, x, layer_module, torch.float32)
        data = gzip.compress(proto.SerializeToString(), mtime=0)
        with open(os.path.join(args.out, f"{mode}.onnx.gz"), "wb") as f:
            f.write(data)
        blobs = [("input", x), ("logits", ref["logits"]), ("logitGrad", ref["logit_grad"]), ("layerGrad", ref["layer_grad"])]
        payload = bytearray()
        layout = {}
        for k, t in blobs:
            b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
            layout[k] = {"offset": len(payload), "length": len(b), "dims": list(t.shape)}
            payload += b
        with open(os.path.join(args.out, f"{mode}.bin"), "wb") as f:
            f.write(bytes(payload))
        ops = sorted({n.op_type for n in proto.graph.node})
        entries.append({
            "name": mode, "model": f"{mode}.onnx.gz", "data": f"{mode}.bin", "opset": OPSET, "modelBytes": len(data),
            "input": {"name": "input", "dims": list(x.shape)}, "output": {"name": "logits", "dims": list(ref["logits"].shape)},
            "logitClass": LOGIT_CLASS, "layout": layout,
            "objectives": {"logit": {"value": ref["logit_value"]},
                           "layer": {"tensor": layer_tensor, "torchModule": layer_module, "value": ref["layer_value"]}},
            "f32VsF64": {k: compare(ref32[k], ref[k]) for k in ("logits", "logit_grad", "layer_grad")},
            "opTypes": ops,
        })
        print(f"{mode:8s} {len(data):6d} B  ops {' '.join(ops)}  f32 {entries[-1]['f32VsF64']['logit_grad']['relL2']:.1e}", flush=True)
    manifest = {
        "description": "Quantized-model goldens for @fv/autodiff; generated by tools/autodiff_quantized.py",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
        "reference": "PyTorch float64 autograd of the dequantized model, activations fake-quantized with the "
                     "straight-through estimator (the same quantization as the ONNX model)",
        "models": entries,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
