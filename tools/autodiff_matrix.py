#!/usr/bin/python3
"""Generate the export-matrix goldens for @fv/autodiff (issue #14): transformer, hybrid and CNN
image classifiers exported the usual ways, with PyTorch autograd input-gradients.

Models (small configurations of torchvision 0.14's own classes, plus two written here):

* ``vit``: torchvision ``VisionTransformer`` (class token, ``x[:, 0]`` → Gather);
* ``deit``: a DeiT-style ViT with a distillation token and two heads (averaged at inference);
* ``swin``: torchvision ``SwinTransformer`` (window partition, shifted windows with ``torch.roll``,
  relative position bias, attention masks built with ScatterND, patch merging, padding);
* ``mobilevit``: a tiny MobileViT-style hybrid (MobileNetV2 blocks and transformer blocks over
  unfolded patches, SiLU, LayerNorm);
* ``convnext``, ``efficientnet_v2``, ``regnet``: thin torchvision CNNs (LayerNorm2d/GELU, FusedMBConv
  and SE, grouped convs);
* ``googlenet``, ``inception_v3``: thin torchvision models with ``transform_input=True`` (a Gather
  per input channel).

torchvision 0.14 has no MaxViT; the MobileViT-style model stands in for conv/attention hybrids.

Each is exported three ways:

* ``opset13``: opset 13, static shapes, batch 1;
* ``opset17_dynamic``: opset 17 with dynamic batch, height and width (``dynamic_axes``); the golden
  is computed at batch 2 (and at another image size where the model allows one);
* ``opset11``: opset 11, static, where the exporter allows.

All exports keep their initializers as the model's named parameters (``do_constant_folding=False``),
so that fixtures stay small: the committed ``<model>/<variant>.onnx.gz`` is the exported graph with
every float parameter's data replaced by a marker (``external_data`` location ``fv:counter-hash``,
with ``offset`` and ``scale``). The test fills them from the same counter-hash generator as this
script (``counter_hash`` below, ``test/helpers/counter-hash.mjs``): value j of tensor ``name`` is
``float32(offset + scale·(2u − 1))`` with u = lowbias32(fnv1a32(name) + j·0x9E3779B9) / 2³². BatchNorm
running statistics are calibrated on random data and kept in the graph as data; so are integer
buffers (Swin's relative position index).

For each export two objectives (as @fv/autodiff defines them, summed over the batch):

* ``logit``: Σ seed · logits with seed one-hot of class 3 (class 5 for the second batch item);
* ``layer``: per batch item mean(a²) of a transformer block (or CNN block) output a, whose ONNX tensor
  name is recorded per export.

Reference values are float64 autograd from the same float32 weights and input, rounded to float32;
``f32VsF64`` records PyTorch's own float32 error on the same computation. Inputs come from the
generator too (tensor name ``input/<draw>``), redrawn until no ReLU-like unit sits within 1e-5 of
a kink and no max-pool window has a near-tie (``choose_input`` in ``autodiff_fixtures.py``).

Output (``--out``, default ``test/fixtures/autodiff-matrix``)::

    <model>/<variant>.onnx.gz   graph without parameter data (see above)
    <model>/<variant>.bin       float32 LE: logits | logit grad | layer grad (layout in the manifest)
    manifest.json               per model and variant: input dims and draw, layout, objectives,
                                tolerances' inputs (f32VsF64), op types, exporter refusals

Regenerate (Debian python3-torch 1.13, python3-torchvision 0.14, python3-onnx 1.12)::

    /usr/bin/python3 tools/autodiff_matrix.py [--out DIR] [--only vit,swin]

Deterministic (fixed seeds, one thread): a rerun gives identical bytes. Never run by the tests.
"""

import argparse
import copy
import functools
import gzip
import importlib
import io
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autodiff_fixtures import KINK_MARGIN, compare, kink_margin  # noqa: E402

tv = {n: importlib.import_module(f"torchvision.models.{n}") for n in (
    "vision_transformer", "swin_transformer", "convnext", "efficientnet", "regnet", "googlenet",
    "inception", "mobilenetv2")}

NUM_CLASSES = 10
CLASSES = (3, 5)  # logit objective: one-hot class per batch item
MAX_DRAWS = 200

# ----------------------------------------------------------------------------------------------
# the counter-hash generator (shared with test/helpers/counter-hash.mjs)
# ----------------------------------------------------------------------------------------------

MASK = 0xFFFFFFFF


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & MASK
    return h


def lowbias32(x):
    x = x.astype(np.uint64)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & np.uint64(MASK)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return x


def counter_hash(name, n, offset, scale):
    """float32 values offset + scale·(2u − 1), u uniform in [0, 1) from (name, index)."""
    j = np.arange(n, dtype=np.uint64)
    x = (np.uint64(fnv1a32(name)) + j * np.uint64(0x9E3779B9)) & np.uint64(MASK)
    u = lowbias32(x).astype(np.float64) / 4294967296.0
    return (offset + scale * (2.0 * u - 1.0)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------------------------


def build_vit():
    m = tv["vision_transformer"].VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
        num_classes=NUM_CLASSES)
    return m, "VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64)"


class DeiT(tv["vision_transformer"].VisionTransformer):
    """DeiT (Touvron et al. 2021): class and distillation tokens; inference averages both heads."""

    def __init__(self):
        super().__init__(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                         mlp_dim=64, num_classes=NUM_CLASSES)
        self.dist_token = nn.Parameter(torch.zeros(1, 1, 32))
        self.encoder.pos_embedding = nn.Parameter(torch.zeros(1, self.seq_length + 1, 32))
        self.head_dist = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        tokens = [self.class_token.expand(n, -1, -1), self.dist_token.expand(n, -1, -1), x]
        x = self.encoder(torch.cat(tokens, dim=1))
        return (self.heads(x[:, 0]) + self.head_dist(x[:, 1])) / 2


def build_deit():
    return DeiT(), "DeiT-style VisionTransformer (patch 8, 2 layers, hidden 32) + distillation token and head"


def build_swin():
    m = tv["swin_transformer"].SwinTransformer(
        patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
        num_classes=NUM_CLASSES)
    return m, "SwinTransformer(patch_size=4, embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=4)"


def conv_bn_silu(cin, cout, k=3, s=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.SiLU())


class MobileViTBlock(nn.Module):
    """Local 3×3 conv, transformer over unfolded p×p patches, fold back, fuse with the input."""

    def __init__(self, c, d, depth=2, heads=2, patch=2):
        super().__init__()
        self.patch = patch
        self.local = nn.Sequential(conv_bn_silu(c, c), nn.Conv2d(c, d, 1, bias=False))
        self.transformer = nn.Sequential(*[
            nn.TransformerEncoderLayer(d, heads, dim_feedforward=2 * d, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.proj = conv_bn_silu(d, c, k=1)
        self.fuse = conv_bn_silu(2 * c, c)

    def forward(self, x):
        y = self.local(x)
        n, d, h, w = y.shape
        p = self.patch
        y = y.reshape(n, d, h // p, p, w // p, p).permute(0, 3, 5, 2, 4, 1)
        y = y.reshape(n * p * p, (h // p) * (w // p), d)
        y = self.norm(self.transformer(y))
        y = y.reshape(n, p, p, h // p, w // p, d).permute(0, 5, 3, 1, 4, 2).reshape(n, d, h, w)
        return self.fuse(torch.cat([x, self.proj(y)], dim=1))


class MobileViT(nn.Module):
    def __init__(self):
        super().__init__()
        ir = tv["mobilenetv2"].InvertedResidual
        self.stem = conv_bn_silu(3, 8, s=2)
        self.stage1 = nn.Sequential(ir(8, 16, 2, 2), MobileViTBlock(16, 24))
        self.stage2 = nn.Sequential(ir(16, 24, 2, 2), MobileViTBlock(24, 32))
        self.head = nn.Sequential(conv_bn_silu(24, 48, k=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(48, NUM_CLASSES))

    def forward(self, x):
        return self.head(self.stage2(self.stage1(self.stem(x))))


def build_mobilevit():
    return MobileViT(), "MobileViT-style: stem, MobileNetV2 block + MobileViT block (patch 2) twice, head"


def build_convnext():
    c = tv["convnext"].CNBlockConfig
    m = tv["convnext"].ConvNeXt([c(8, 12, 2), c(12, 16, 2), c(16, 24, 3), c(24, None, 2)],
                                num_classes=NUM_CLASSES)
    return m, "ConvNeXt(block_setting=[(8,12,2),(12,16,2),(16,24,3),(24,None,2)])"


def build_efficientnet_v2():
    e = tv["efficientnet"]
    setting = [e.FusedMBConvConfig(1, 3, 1, 8, 8, 1), e.FusedMBConvConfig(4, 3, 2, 8, 16, 2),
               e.FusedMBConvConfig(4, 3, 2, 16, 24, 2), e.MBConvConfig(4, 3, 2, 24, 32, 2, 1.0, 1.0),
               e.MBConvConfig(6, 3, 1, 32, 40, 2, 1.0, 1.0)]
    m = e.EfficientNet(setting, dropout=0.2, stochastic_depth_prob=0.2, num_classes=NUM_CLASSES,
                       norm_layer=functools.partial(nn.BatchNorm2d, eps=1e-3), last_channel=64)
    return m, "EfficientNet-V2 (S's block types, thin): Fused×(1,2,2) 8→24, MBConv+SE×(2,2) →40, last 64"


def build_regnet():
    r = tv["regnet"]
    params = r.BlockParams(depths=[1, 2, 2], widths=[8, 16, 24], group_widths=[8, 8, 8],
                           bottleneck_multipliers=[1.0] * 3, strides=[2] * 3, se_ratio=0.25)
    return r.RegNet(params, num_classes=NUM_CLASSES, stem_width=8), "RegNet Y (SE 0.25, group width 8), depths [1,2,2], widths [8,16,24]"


def build_googlenet():
    g = tv["googlenet"]
    m = g.GoogLeNet(num_classes=NUM_CLASSES, aux_logits=False, transform_input=True, init_weights=True)
    B, I = g.BasicConv2d, g.Inception

    def d(c):
        return -(-c // 16)

    def inc(*cs):
        return I(*[d(c) for c in cs])

    m.conv1 = B(3, d(64), kernel_size=7, stride=2, padding=3)
    m.conv2 = B(d(64), d(64), kernel_size=1)
    m.conv3 = B(d(64), d(192), kernel_size=3, padding=1)
    m.inception3a = inc(192, 64, 96, 128, 16, 32, 32)
    m.inception3b = inc(256, 128, 128, 192, 32, 96, 64)
    m.inception4a = inc(480, 192, 96, 208, 16, 48, 64)
    m.inception4b = inc(512, 160, 112, 224, 24, 64, 64)
    m.inception4c = inc(512, 128, 128, 256, 24, 64, 64)
    m.inception4d = inc(512, 112, 144, 288, 32, 64, 64)
    m.inception4e = inc(528, 256, 160, 320, 32, 128, 128)
    m.inception5a = inc(832, 256, 160, 320, 32, 128, 128)
    m.inception5b = inc(832, 384, 192, 384, 48, 128, 128)
    m.fc = nn.Linear(d(1024), NUM_CLASSES)
    return m, "GoogLeNet(transform_input=True, aux_logits=False), every width /16 rounded up"


def build_inception_v3():
    i = tv["inception"]

    def thin(cin, cout, **kw):
        return i.BasicConv2d(cin if cin == 3 else cin // 8, cout // 8, **kw)

    blocks = [thin] + [functools.partial(b, conv_block=thin) for b in (
        i.InceptionA, i.InceptionB, i.InceptionC, i.InceptionD, i.InceptionE, i.InceptionAux)]
    m = i.Inception3(num_classes=NUM_CLASSES, aux_logits=False, transform_input=True,
                     inception_blocks=blocks, init_weights=True)
    m.fc = nn.Linear(2048 // 8, NUM_CLASSES)
    return m, "Inception3(transform_input=True, aux_logits=False), every conv width /8"


# name, builder, export size, (b) size (None: the model's architecture fixes it), layer module,
# weight gain (√(gain/fan_in) uniform bound scale), architecture kind
SPECS = [
    dict(name="vit", build=build_vit, hw=32, hw_b=None, layer="encoder.layers.encoder_layer_1",
         gain=1.0, transformer=True),
    dict(name="deit", build=build_deit, hw=32, hw_b=None, layer="encoder.layers.encoder_layer_0",
         gain=1.0, transformer=True),
    dict(name="swin", build=build_swin, hw=32, hw_b=None, layer="features.1.1", gain=1.0,
         transformer=True),
    dict(name="mobilevit", build=build_mobilevit, hw=32, hw_b=48, layer="stage1.1.transformer.1",
         gain=1.0, transformer=True),
    dict(name="convnext", build=build_convnext, hw=32, hw_b=40, layer="features.5.1", gain=1.0,
         transformer=False),
    dict(name="efficientnet_v2", build=build_efficientnet_v2, hw=32, hw_b=40, layer="features.3",
         gain=2.0, transformer=False),
    dict(name="regnet", build=build_regnet, hw=32, hw_b=40, layer="trunk_output.block2", gain=2.0,
         transformer=False),
    dict(name="googlenet", build=build_googlenet, hw=40, hw_b=48, layer="inception4c", gain=2.0,
         transformer=False),
    dict(name="inception_v3", build=build_inception_v3, hw=75, hw_b=80, layer="Mixed_6b", gain=2.0,
         transformer=False),
]

VARIANTS = [
    dict(name="opset13", opset=13, dynamic=False),
    dict(name="opset17_dynamic", opset=17, dynamic=True),
    dict(name="opset11", opset=11, dynamic=False),
]

# ----------------------------------------------------------------------------------------------
# weights
# ----------------------------------------------------------------------------------------------

NORMS = (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)


def weight_plan(model, gain):
    """(offset, scale) of the generator for every float parameter, by the role of the parameter."""
    plan = {}
    norm_params = {f"{n}.{p}" if n else p for n, mod in model.named_modules() if isinstance(mod, NORMS)
                   for p in ("weight", "bias")}
    for name, p in model.named_parameters():
        if name in norm_params:
            plan[name] = (0.7, 0.3) if name.endswith("weight") else (0.0, 0.2)
        elif name.endswith("layer_scale"):
            plan[name] = (0.5, 0.2)
        elif p.dim() <= 1 or name.endswith("bias"):
            plan[name] = (0.0, 0.1)
        elif any(k in name for k in ("token", "pos_embedding", "relative_position_bias_table")):
            plan[name] = (0.0, 0.3)
        else:
            fan_in = p[0].numel()
            plan[name] = (0.0, math.sqrt(3.0 * gain / fan_in))
    return plan


def fill(model, plan):
    with torch.no_grad():
        for name, p in model.named_parameters():
            offset, scale = plan[name]
            p.copy_(torch.from_numpy(counter_hash(name, p.numel(), offset, scale)).reshape(p.shape))


def calibrate_bn(model, hw, seed):
    """BatchNorm running statistics measured on random data, then perturbed (kept as data)."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    g = torch.Generator().manual_seed(seed)
    model.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 3, hw, hw, generator=g))
    for bn in bns:
        bn.momentum = 0.1
        std = bn.running_var.sqrt()
        bn.running_mean += 0.2 * std * torch.randn(std.shape, generator=g)
        bn.running_var *= torch.exp(0.3 * torch.randn(std.shape, generator=g))
    model.eval()


def prepare(spec):
    torch.manual_seed(0)  # only the modules' own init; every parameter is overwritten
    model, note = spec["build"]()
    plan = weight_plan(model, spec["gain"])
    fill(model, plan)
    calibrate_bn(model, spec["hw"], fnv1a32(spec["name"]))
    for mod in model.modules():
        if hasattr(mod, "inplace") and isinstance(mod.inplace, bool):
            mod.inplace = False
    for p in model.parameters():
        p.requires_grad_(True)  # attention exports only then (no fused fast path)
    return model.eval(), plan, note


# ----------------------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------------------


def export(model, x, variant, extra_output=None):
    buf = io.BytesIO()
    names = ["logits"] + (["layer"] if extra_output else [])
    dynamic = None
    if variant["dynamic"]:
        dynamic = {"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}}
        if extra_output:
            dynamic["layer"] = {0: "batch"}
    orig = model.forward
    if extra_output:
        mod = model.get_submodule(extra_output)
        captured = {}
        handle = mod.register_forward_hook(lambda _m, _i, o: captured.__setitem__("a", o))
        model.forward = lambda inp: (orig(inp), captured["a"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), buf, input_names=["input"], output_names=names,
                              opset_version=variant["opset"], do_constant_folding=False,
                              training=torch.onnx.TrainingMode.PRESERVE, dynamic_axes=dynamic)
    finally:
        if extra_output:
            del model.forward
            handle.remove()
    model.eval()
    return buf.getvalue()


def layer_tensor_name(model, x, variant, module_path, plain):
    """ONNX tensor of `module_path`'s output in `plain`: export again with it as an extra output and
    find the node producing it by its (scoped, stable) node name."""
    extra = onnx.load_from_string(export(model, x, variant, extra_output=module_path))
    target = extra.graph.output[1].name
    node = next(n for n in extra.graph.node if target in n.output)
    same = [n for n in plain.graph.node if n.name == node.name and n.op_type == node.op_type]
    if len(same) != 1:
        raise RuntimeError(f"node {node.name} not found once in the export")
    return same[0].output[list(node.output).index(target)]


def strip_parameters(proto, plan):
    """Replace every generated parameter's data by the counter-hash marker (after checking it)."""
    stripped = 0
    for t in proto.graph.initializer:
        if t.name not in plan:
            continue
        if t.data_type != onnx.TensorProto.FLOAT:
            raise RuntimeError(f"{t.name}: parameter exported as type {t.data_type}")
        offset, scale = plan[t.name]
        expected = counter_hash(t.name, int(np.prod(t.dims)), offset, scale)
        if onnx.numpy_helper.to_array(t).astype(np.float32).tobytes() != expected.tobytes():
            raise RuntimeError(f"{t.name}: exported data differs from the generator")
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.data_location = onnx.TensorProto.EXTERNAL
        del t.external_data[:]
        for k, v in (("location", "fv:counter-hash"), ("offset", repr(offset)), ("scale", repr(scale))):
            e = t.external_data.add()
            e.key, e.value = k, v
        stripped += 1
    return stripped


# ----------------------------------------------------------------------------------------------
# references
# ----------------------------------------------------------------------------------------------


def objectives(model, x, module_path, dtype):
    m = copy.deepcopy(model).to(dtype).eval()
    captured = {}
    m.get_submodule(module_path).register_forward_hook(lambda _m, _i, o: captured.__setitem__("a", o))
    xin = x.to(dtype).clone().requires_grad_(True)
    logits = m(xin)
    seed = torch.zeros_like(logits)
    for b in range(logits.shape[0]):
        seed[b, CLASSES[b % len(CLASSES)]] = 1.0
    logit_value = (seed * logits).sum()
    (g_logit,) = torch.autograd.grad(logit_value, xin)
    xin2 = x.to(dtype).clone().requires_grad_(True)
    m(xin2)
    a = captured["a"]
    layer_value = a.pow(2).flatten(1).mean(1).sum()
    (g_layer,) = torch.autograd.grad(layer_value, xin2)
    return dict(logits=logits.detach(), seed=seed, logit_value=logit_value.item(), logit_grad=g_logit,
                layer_value=layer_value.item(), layer_grad=g_layer, layer_shape=list(a.shape))


def choose_input(name, model, dims, layer, tag):
    """Generator input (tensor name input/<tag>/<draw>, unit variance), redrawn until no unit sits
    near a kink and PyTorch's own float32 gradients are within 1e-4 of the float64 reference."""
    model64 = copy.deepcopy(model).double().eval()
    last = None
    n = int(np.prod(dims))
    for draw in range(MAX_DRAWS):
        key = f"input/{tag}/{draw}"
        x = torch.from_numpy(counter_hash(key, n, 0.0, math.sqrt(3.0))).reshape(dims)
        margin, where = kink_margin(model64, x.double())
        if margin < KINK_MARGIN:
            last = f"{where} at {margin:.1e}"
            continue
        ref = objectives(model, x, layer, torch.float64)
        ref32 = objectives(model, x, layer, torch.float32)
        rels = {k: compare(ref32[k], ref[k])["relL2"] for k in ("logit_grad", "layer_grad")}
        if max(rels.values()) >= 1e-4:
            last = f"float32 vs float64 {rels}"
            continue
        return key, x, ref, ref32, margin
    raise RuntimeError(f"{name}: no well-conditioned input in {MAX_DRAWS} draws; last: {last}")


def f32(t):
    return t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def make_model(spec, out_dir):
    model, plan, note = prepare(spec)
    name = spec["name"]
    os.makedirs(os.path.join(out_dir, name), exist_ok=True)
    export_x = torch.from_numpy(counter_hash("export", 3 * spec["hw"] ** 2, 0.0, 1.0)).reshape(1, 3, spec["hw"], spec["hw"])
    entry = {"name": name, "architecture": note, "transformer": spec["transformer"],
             "parameters": sum(p.numel() for p in model.parameters()), "variants": []}
    references = {}
    for variant in VARIANTS:
        vname = variant["name"]
        try:
            data = export(model, export_x, variant)
        except Exception as error:  # the exporter refuses this opset for this model
            entry["variants"].append({"name": vname, "opset": variant["opset"],
                                      "refused": f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"})
            print(f"{name:16s} {vname:16s} exporter refused: {str(error).splitlines()[0][:120]}", flush=True)
            continue
        proto = onnx.load_from_string(data)
        onnx.checker.check_model(proto)
        layer = layer_tensor_name(model, export_x, variant, spec["layer"], proto)
        batch = 2 if variant["dynamic"] else 1
        hw = (spec["hw_b"] or spec["hw"]) if variant["dynamic"] else spec["hw"]
        dims = [batch, 3, hw, hw]
        tag = f"{batch}x{hw}"
        if tag not in references:
            references[tag] = choose_input(name, model, dims, spec["layer"], tag)
        key, x, ref, ref32, margin = references[tag]
        op_types = sorted({n.op_type for n in proto.graph.node})
        stripped = strip_parameters(proto, plan)
        graph = gzip.compress(proto.SerializeToString(), mtime=0)
        with open(os.path.join(out_dir, name, f"{vname}.onnx.gz"), "wb") as f:
            f.write(graph)
        blobs = [("logits", ref["logits"]), ("logitGrad", ref["logit_grad"]), ("layerGrad", ref["layer_grad"])]
        payload = bytearray()
        layout = {}
        for k, t in blobs:
            b = f32(t)
            layout[k] = {"offset": len(payload), "length": len(b), "dims": list(t.shape)}
            payload += b
        with open(os.path.join(out_dir, name, f"{vname}.bin"), "wb") as f:
            f.write(bytes(payload))
        entry["variants"].append({
            "name": vname, "opset": variant["opset"], "dynamic": variant["dynamic"],
            "model": f"{name}/{vname}.onnx.gz", "data": f"{name}/{vname}.bin",
            "graphBytes": len(graph), "nodes": len(proto.graph.node), "strippedParameters": stripped,
            "input": {"name": "input", "dims": dims, "generator": {"name": key, "offset": 0.0, "scale": math.sqrt(3.0)},
                      "minKinkMargin": float(f"{margin:.3e}") if math.isfinite(margin) else None},
            "output": {"name": "logits", "dims": list(ref["logits"].shape)},
            "seedClasses": list(CLASSES[:batch]),
            "layout": layout,
            "objectives": {
                "logit": {"value": ref["logit_value"]},
                "layer": {"tensor": layer, "torchModule": spec["layer"], "dims": ref["layer_shape"],
                          "value": ref["layer_value"]},
            },
            "f32VsF64": {k: compare(ref32[k], ref[k]) for k in ("logits", "logit_grad", "layer_grad")},
            "opTypes": op_types,
        })
        print(f"{name:16s} {vname:16s} nodes {len(proto.graph.node):5d} gz {len(graph):7d} B data {len(payload):6d} B "
              f"in {dims} layer {layer} f32 {entry['variants'][-1]['f32VsF64']['logit_grad']['relL2']:.1e}/"
              f"{entry['variants'][-1]['f32VsF64']['layer_grad']['relL2']:.1e}", flush=True)
    return entry


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/autodiff-matrix")
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - {s["name"] for s in SPECS}
    if unknown:
        sys.exit(f"unknown model names: {sorted(unknown)}")
    manifest_path = os.path.join(args.out, "manifest.json")
    previous = {}
    if only and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            previous = {m["name"]: m for m in json.load(f)["models"]}
    models = []
    for spec in SPECS:
        if only and spec["name"] not in only:
            if spec["name"] in previous:
                models.append(previous[spec["name"]])
            continue
        models.append(make_model(spec, args.out))
    manifest = {
        "description": "Export-matrix PyTorch autograd goldens for @fv/autodiff; generated by tools/autodiff_matrix.py",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__},
        "generator": "counter-hash: float32(offset + scale*(2u - 1)), u = lowbias32(fnv1a32(name) + j*0x9E3779B9) / 2^32",
        "objectives": {
            "logit": f"sum over the batch of seed * logits, seed one-hot of classes {list(CLASSES)} per item",
            "layer": "sum over the batch of mean(a^2) over each item's elements, a = objectives.layer.tensor",
        },
        "reference": "float64 autograd from the float32 weights and input, rounded to float32",
        "models": models,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(r, fn)) for r, _d, fs in os.walk(args.out) for fn in fs)
    print(f"total fixture size: {total} bytes ({total / 1e6:.2f} MB) in {args.out}")


if __name__ == "__main__":
    main()
