#!/usr/bin/python3
"""Generate the PyTorch golden fixtures for @fv/autodiff.

For each torchvision architecture listed in ``SPECS`` this script builds a *thin* variant (same
op structure as the torchvision model, far fewer channels, 10 classes, a small input), fills it
with fixed-seed random weights, gives every BatchNorm non-trivial running statistics, exports it
to ONNX and stores PyTorch autograd input-gradients for two objectives:

* ``logit``: value = sum(seed * logits), seed = one-hot of class ``LOGIT_CLASS``;
* ``layer``: value = mean(a ** 2) of one intermediate activation ``a`` (a mid-network ReLU or
  block output), whose ONNX tensor name is recorded.

Output layout (``--out``, default ``test/fixtures/autodiff``)::

    <name>/model.onnx   ONNX model, input "input", output "logits", static shapes
    <name>/data.bin     float32 little-endian: input | logits | logit seed | logit grad | layer grad
    manifest.json       per model: opset, dims, byte offsets into data.bin, layer tensor name and
                        dims, objective values, op types; plus the union of all op types

Reference values (logits, objective values, gradients) are computed in float64 from the very same
float32 weights and float32 input, then rounded to float32; ``f32VsF64`` in the manifest records how
far PyTorch's own float32 autograd is from that reference (a lower bound on what any float32 runtime
can reach), and ``finiteDifference`` how well the reference matches float64 central differences.

The input is standard normal, redrawn with the next seed until it is a fair test (``choose_input``):
no ReLU/ReLU6/Hardswish/Hardsigmoid unit within 1e-5 (relative to its tensor's std) of a kink, no
max-pool near-tie, and PyTorch float32 gradients within 1e-4 of the float64 reference. Otherwise a
unit within rounding of a kink can flip between runtimes and move the whole gradient by percents.
Weights: Kaiming-normal convs/linears, BatchNorm/LayerNorm affine U(0.4, 1) / N(0, 0.2), BatchNorm
running stats measured on random data and then perturbed (mean +- 0.2 std, var x exp(N(0, 0.3))), so
BN inference is not the identity; larger affine scales put deep nets in a chaotic regime where
float32 rounding alone changes the gradient by percents (the script refuses such fixtures).

ConvNeXt is stored twice with the same weights: opset 17 (LayerNormalization op) and opset 13
(LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div). BatchNorm is folded into Conv (what a plain
torchvision export gives) for resnet18 and mobilenet_v2; the others keep BatchNormalization nodes.

It also writes a full-width ResNet-18 (1x3x224x224, random weights) for benchmarks to
``--bench-out`` (default ``bench/models/``). That file is large and must NOT be committed.

Regenerate (needs Debian's python3-torch 1.13, python3-torchvision 0.14, python3-onnx 1.12;
``apt-get install -y python3-torch python3-torchvision python3-onnx``; use /usr/bin/python3)::

    /usr/bin/python3 tools/autodiff_fixtures.py [--out test/fixtures/autodiff] [--bench-out bench/models/]
        [--only resnet18,alexnet] [--no-bench]

The script is deterministic (fixed seeds, single thread): running it twice gives identical bytes.
It never touches anything outside ``--out`` and ``--bench-out``. The test command never runs it.
"""

import argparse
import copy
import hashlib
import importlib
import io
import json
import math
import os
import sys
import warnings

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# torchvision.models.<name> is shadowed by a builder function for some names (alexnet, googlenet)
_tvm = {n: importlib.import_module(f"torchvision.models.{n}") for n in (
    "alexnet", "convnext", "densenet", "efficientnet", "googlenet", "mobilenetv2", "mobilenetv3", "regnet",
    "resnet", "shufflenetv2", "squeezenet", "vgg")}
tv_alexnet, tv_convnext, tv_densenet, tv_efficientnet = (_tvm[n] for n in (
    "alexnet", "convnext", "densenet", "efficientnet"))
tv_googlenet, tv_mobilenetv2, tv_mobilenetv3, tv_regnet = (_tvm[n] for n in (
    "googlenet", "mobilenetv2", "mobilenetv3", "regnet"))
tv_resnet, tv_shufflenetv2, tv_squeezenet, tv_vgg = (_tvm[n] for n in (
    "resnet", "shufflenetv2", "squeezenet", "vgg"))
from torchvision.ops.misc import Conv2dNormActivation

NUM_CLASSES = 10
LOGIT_CLASS = 3
DEFAULT_OPSET = 13
BASE_SEED = 20240601

# ----------------------------------------------------------------------------------------------
# thin architectures
# ----------------------------------------------------------------------------------------------


def build_resnet18():
    """torchvision ResNet(BasicBlock, [2, 2, 2, 2]) with stage widths 64..512 divided by 16."""
    m = tv_resnet.ResNet(tv_resnet.BasicBlock, [2, 2, 2, 2], num_classes=NUM_CLASSES)
    w = [4, 8, 16, 32]
    m.inplanes = w[0]
    m.conv1 = nn.Conv2d(3, w[0], kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(w[0])
    m.layer1 = m._make_layer(tv_resnet.BasicBlock, w[0], 2)
    m.layer2 = m._make_layer(tv_resnet.BasicBlock, w[1], 2, stride=2)
    m.layer3 = m._make_layer(tv_resnet.BasicBlock, w[2], 2, stride=2)
    m.layer4 = m._make_layer(tv_resnet.BasicBlock, w[3], 2, stride=2)
    m.fc = nn.Linear(w[3], NUM_CLASSES)
    return m, "ResNet(BasicBlock,[2,2,2,2]) widths 64,128,256,512 -> 4,8,16,32"


def build_resnet18_full():
    return torchvision.models.resnet18(weights=None, num_classes=1000)


def build_vgg11_bn():
    """torchvision VGG with cfg 'A' + batch_norm, channels divided by 16, small classifier."""
    cfg = [c if c == "M" else c // 16 for c in tv_vgg.cfgs["A"]]
    m = tv_vgg.VGG(tv_vgg.make_layers(cfg, batch_norm=True), num_classes=NUM_CLASSES, init_weights=True)
    # 32x32 input -> 1x1 after the five max pools; AdaptiveAvgPool2d((7,7)) cannot be exported
    # from 1x1 (torch exports adaptive pools only when the input size divides by the output size).
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    c = cfg[-2]
    m.classifier = nn.Sequential(
        nn.Linear(c * 1 * 1, 64), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(64, 64), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(64, NUM_CLASSES),
    )
    return m, f"VGG cfg A + BN, channels /16 ({cfg}); avgpool (7,7)->(1,1); classifier 4096->64"


def build_mobilenet_v2():
    """torchvision MobileNetV2(width_mult=0.125, round_nearest=4) with last_channel 1280 -> 160."""
    m = tv_mobilenetv2.MobileNetV2(num_classes=NUM_CLASSES, width_mult=0.125, round_nearest=4)
    last_in = m.features[-1][0].in_channels
    m.features[-1] = Conv2dNormActivation(last_in, 160, kernel_size=1, norm_layer=nn.BatchNorm2d,
                                          activation_layer=nn.ReLU6)
    m.last_channel = 160
    m.classifier[1] = nn.Linear(160, NUM_CLASSES)
    return m, "MobileNetV2(width_mult=0.125, round_nearest=4); last 1x1 conv 1280 -> 160 channels"


def build_mobilenet_v3_small():
    """torchvision MobileNetV3 small configuration at width_mult=0.125 (its own builder)."""
    setting, last_channel = tv_mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.125)
    m = tv_mobilenetv3.MobileNetV3(setting, last_channel, num_classes=NUM_CLASSES)
    return m, "torchvision _mobilenet_v3_conf('mobilenet_v3_small', width_mult=0.125)"


def build_squeezenet1_1():
    """torchvision SqueezeNet version 1_1 with every width divided by 8."""
    m = tv_squeezenet.SqueezeNet(version="1_1", num_classes=NUM_CLASSES)
    Fire = tv_squeezenet.Fire
    m.features = nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=3, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(8, 2, 8, 8),
        Fire(16, 2, 8, 8),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 16, 16),
        Fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 6, 24, 24),
        Fire(48, 6, 24, 24),
        Fire(48, 8, 32, 32),
        Fire(64, 8, 32, 32),
    )
    m.classifier[1] = nn.Conv2d(64, NUM_CLASSES, kernel_size=1)
    return m, "SqueezeNet 1_1 with every width /8 (stem 64 -> 8, final conv input 512 -> 64 channels)"


def build_googlenet():
    """torchvision GoogLeNet (aux_logits=False, transform_input=False, init_weights=True), widths /16."""
    m = tv_googlenet.GoogLeNet(num_classes=NUM_CLASSES, aux_logits=False, transform_input=False,
                               init_weights=True)
    B, I = tv_googlenet.BasicConv2d, tv_googlenet.Inception

    def d(c):
        return -(-c // 16)  # ceil(c / 16)

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
    return m, "GoogLeNet(aux_logits=False, transform_input=False), every width /16 rounded up (1024 -> 64 features)"


def build_densenet121():
    """torchvision DenseNet with DenseNet-121's block_config (6,12,24,16), growth 32 -> 3."""
    m = tv_densenet.DenseNet(growth_rate=3, block_config=(6, 12, 24, 16), num_init_features=8, bn_size=2,
                             num_classes=NUM_CLASSES)
    return m, ("DenseNet(growth_rate=3, block_config=(6,12,24,16), num_init_features=8, bn_size=2) "
               "(121: growth 32, init 64, bn_size 4)")


def build_shufflenet_v2():
    """torchvision ShuffleNetV2 with x1.0's stages_repeats and stages_out_channels [8,16,32,64,128]."""
    m = tv_shufflenetv2.ShuffleNetV2([4, 8, 4], [8, 16, 32, 64, 128], num_classes=NUM_CLASSES)
    return m, "ShuffleNetV2(stages_repeats=[4,8,4], stages_out_channels=[8,16,32,64,128])"


def build_efficientnet_b0():
    """torchvision EfficientNet-B0 configuration at width_mult=0.0625 (its own builder)."""
    setting, last_channel = tv_efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.0625,
                                                               depth_mult=1.0)
    m = tv_efficientnet.EfficientNet(setting, dropout=0.2, stochastic_depth_prob=0.2,
                                     num_classes=NUM_CLASSES, last_channel=last_channel)
    return m, "torchvision _efficientnet_conf('efficientnet_b0', width_mult=0.0625, depth_mult=1.0)"


def build_regnet_y_400mf():
    """torchvision RegNet with regnet_y_400mf's stage depths, group width 8 and SE 0.25, thin widths."""
    # regnet_y_400mf = from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25)
    # -> depths [1, 3, 6, 6], widths [48, 104, 208, 440]; keep the depths, shrink the widths.
    params = tv_regnet.BlockParams(depths=[1, 3, 6, 6], widths=[8, 16, 24, 32], group_widths=[8, 8, 8, 8],
                                   bottleneck_multipliers=[1.0] * 4, strides=[2] * 4, se_ratio=0.25)
    m = tv_regnet.RegNet(params, num_classes=NUM_CLASSES, stem_width=8)
    return m, ("RegNet Y (SE 0.25, group width 8) with regnet_y_400mf's depths [1,3,6,6], "
               "widths [48,104,208,440] -> [8,16,24,32], stem 32 -> 8")


def build_convnext_tiny():
    """torchvision ConvNeXt with ConvNeXt-tiny's depths (3,3,9,3), widths 96..768 -> 8,12,16,24."""
    C = tv_convnext.CNBlockConfig
    setting = [C(8, 12, 3), C(12, 16, 3), C(16, 24, 9), C(24, None, 3)]
    m = tv_convnext.ConvNeXt(setting, stochastic_depth_prob=0.1, num_classes=NUM_CLASSES)
    return m, "ConvNeXt(block_setting=[(8,12,3),(12,16,3),(16,24,9),(24,None,3)]) (tiny: 96,192,384,768)"


def build_alexnet():
    """torchvision AlexNet, conv widths divided by 16, small classifier."""
    m = tv_alexnet.AlexNet(num_classes=NUM_CLASSES)
    m.features = nn.Sequential(
        nn.Conv2d(3, 4, kernel_size=11, stride=4, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(4, 12, kernel_size=5, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(12, 24, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(24, 16, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, 16, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )
    # 64x64 input -> 1x1 feature map; AdaptiveAvgPool2d((6,6)) cannot be exported from 1x1.
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    m.classifier = nn.Sequential(
        nn.Dropout(p=0.5), nn.Linear(16, 64), nn.ReLU(inplace=True),
        nn.Dropout(p=0.5), nn.Linear(64, 64), nn.ReLU(inplace=True),
        nn.Linear(64, NUM_CLASSES),
    )
    return m, "AlexNet conv widths /16 (4,12,24,16,16); avgpool (6,6)->(1,1); classifier 4096->64"


# name, builder, input H=W, module whose output is the 'layer' objective tensor, opset, fold BN into Conv
SPECS = [
    dict(name="resnet18", build=build_resnet18, hw=56, layer="layer2.1", opset=13, fold_bn=True),
    dict(name="vgg11_bn", build=build_vgg11_bn, hw=32, layer="features.13", opset=13, fold_bn=False),
    dict(name="mobilenet_v2", build=build_mobilenet_v2, hw=40, layer="features.9", opset=13, fold_bn=True),
    dict(name="mobilenet_v3_small", build=build_mobilenet_v3_small, hw=40, layer="features.5", opset=13,
         fold_bn=False),
    dict(name="squeezenet1_1", build=build_squeezenet1_1, hw=40, layer="features.7", opset=13, fold_bn=False),
    dict(name="googlenet", build=build_googlenet, hw=40, layer="inception4c", opset=13, fold_bn=False),
    dict(name="densenet121", build=build_densenet121, hw=40, layer="features.denseblock2", opset=13,
         fold_bn=False),
    dict(name="shufflenet_v2", build=build_shufflenet_v2, hw=40, layer="stage3.4", opset=13, fold_bn=False),
    dict(name="efficientnet_b0", build=build_efficientnet_b0, hw=40, layer="features.4", opset=13,
         fold_bn=False),
    dict(name="regnet_y_400mf", build=build_regnet_y_400mf, hw=40, layer="trunk_output.block2", opset=13,
         fold_bn=False),
    dict(name="convnext_tiny", build=build_convnext_tiny, hw=32, layer="features.5.4", opset=17,
         fold_bn=False),
    dict(name="convnext_tiny_opset13", build=build_convnext_tiny, hw=32, layer="features.5.4", opset=13,
         fold_bn=False, seed_of="convnext_tiny"),
    dict(name="alexnet", build=build_alexnet, hw=64, layer="features.7", opset=13, fold_bn=False),
]

# ----------------------------------------------------------------------------------------------
# weights
# ----------------------------------------------------------------------------------------------


def seed_for(name):
    return BASE_SEED + int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)


def randomize(model, hw, gen_seed):
    """Fixed-seed random weights; BatchNorm running stats calibrated on random data, then perturbed."""
    torch.manual_seed(gen_seed)
    for mod in model.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(mod.weight, mode="fan_in", nonlinearity="relu")
            if mod.bias is not None:
                nn.init.normal_(mod.bias, 0.0, 0.1)
        elif isinstance(mod, (nn.BatchNorm2d, nn.LayerNorm)):
            nn.init.uniform_(mod.weight, 0.4, 1.0)
            nn.init.normal_(mod.bias, 0.0, 0.2)
        elif isinstance(mod, tv_convnext.CNBlock):
            # torchvision initialises layer_scale to 1e-6, which would make every block an identity
            nn.init.uniform_(mod.layer_scale, 0.3, 0.7)
    bns = [mod for mod in model.modules() if isinstance(mod, nn.BatchNorm2d)]
    if bns:
        model.eval()
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average
            bn.train()
        with torch.no_grad():
            for _ in range(4):
                model(torch.randn(16, 3, hw, hw))
        for bn in bns:
            bn.momentum = 0.1
            std = bn.running_var.sqrt()
            bn.running_mean += 0.2 * std * torch.randn_like(std)
            bn.running_var *= torch.exp(0.3 * torch.randn_like(std))
    model.eval()
    for mod in model.modules():
        if hasattr(mod, "inplace") and isinstance(mod.inplace, bool):
            mod.inplace = False  # so a hooked activation is not overwritten; export is unaffected
    return model


# ----------------------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------------------


def export_bytes(model, x, opset, fold_bn, output_names=("logits",)):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (x,), buf,
            input_names=["input"], output_names=list(output_names),
            opset_version=opset, do_constant_folding=True,
            # EVAL fuses Conv+BatchNormalization (what a plain torchvision export gives);
            # PRESERVE on a model in eval mode exports BatchNormalization nodes in inference form.
            training=torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE,
            dynamic_axes=None,
        )
    model.eval()  # torch.onnx.export restores the training flag it found; make sure it is eval
    return buf.getvalue()


def find_layer_tensor(model, x, module_path, opset, fold_bn, plain):
    """Name of the ONNX tensor in `plain` (the real export) for the output of `module_path`.

    Export once more with the activation as an extra, unnamed graph output. The graph output keeps
    a tracer debug name (e.g. input.92), but the node producing it carries the same scoped node name
    as in the real export (e.g. /layer2/layer2.1/relu_1/Relu); that node's output in the real export
    (e.g. /layer2/layer2.1/relu_1/Relu_output_0) is the tensor. The caller also checks the shape.
    """
    mod = model.get_submodule(module_path)
    captured = {}
    handle = mod.register_forward_hook(lambda m, i, o: captured.__setitem__("a", o))
    orig = model.forward

    def forward_with_activation(inp):
        return orig(inp), captured["a"]

    model.forward = forward_with_activation
    try:
        data = export_bytes(model, x, opset, fold_bn)
    finally:
        del model.forward
        handle.remove()
    g = onnx.load_from_string(data).graph
    assert len(g.output) == 2, [o.name for o in g.output]
    target = g.output[1].name
    producer = [(n, list(n.output).index(target)) for n in g.node if target in n.output]
    assert len(producer) == 1, target
    node, idx = producer[0]
    same = [n for n in plain.graph.node if n.name == node.name]
    if len(same) != 1 or same[0].op_type != node.op_type:
        raise RuntimeError(f"node {node.name} ({node.op_type}) not found once in the real export")
    return same[0].output[idx]


def tensor_dims(model_proto, name):
    inferred = onnx.shape_inference.infer_shapes(model_proto)
    g = inferred.graph
    for vi in list(g.value_info) + list(g.output) + list(g.input):
        if vi.name == name:
            return [d.dim_value for d in vi.type.tensor_type.shape.dim]
    raise KeyError(f"no shape for {name}")


# ----------------------------------------------------------------------------------------------
# reference gradients
# ----------------------------------------------------------------------------------------------


def reference(model, x, module_path, dtype):
    m = copy.deepcopy(model).to(dtype).eval()
    captured = {}
    mod = m.get_submodule(module_path)
    handle = mod.register_forward_hook(lambda _m, _i, o: captured.__setitem__("a", o))

    xin = x.to(dtype).clone().requires_grad_(True)
    logits = m(xin)
    seed = torch.zeros_like(logits)
    seed[0, LOGIT_CLASS] = 1.0
    logit_value = (seed * logits).sum()
    (g_logit,) = torch.autograd.grad(logit_value, xin)

    xin2 = x.to(dtype).clone().requires_grad_(True)
    m(xin2)
    a = captured["a"]
    layer_value = a.pow(2).mean()
    (g_layer,) = torch.autograd.grad(layer_value, xin2)
    handle.remove()
    return dict(logits=logits.detach(), seed=seed.detach(), logit_value=logit_value.item(),
                logit_grad=g_logit, layer_value=layer_value.item(), layer_grad=g_layer,
                layer_shape=list(a.shape))


def compare(a, b):
    a = a.double().flatten()
    b = b.double().flatten()
    rel = ((a - b).norm() / b.norm()).item() if b.norm() > 0 else float("nan")
    cos = (torch.dot(a, b) / (a.norm() * b.norm())).item() if b.norm() > 0 else float("nan")
    return {"relL2": float(f"{rel:.3e}"), "cosine": float(f"{cos:.9f}")}


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def to_f32_bytes(t):
    return t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()


KINK_MARGIN = 1e-5  # min |distance to a kink| / std of the tensor, for every unit
MAX_INPUT_ATTEMPTS = 200


def kink_margin(model64, x64):
    """Smallest distance of any unit to a kink, relative to the std of that unit's tensor (float64 forward).

    Kinks: relu at 0, hardtanh/ReLU6 at min/max, hardswish and hardsigmoid at -3 and 3, and max-pool
    near-ties (gap between the largest and second largest element of a window whose maximum is > 0; ties
    at 0 after a ReLU carry no gradient, exact ties are resolved identically everywhere). The torch.nn.functional entry points are wrapped, so modules
    (nn.ReLU, nn.MaxPool2d, ...) and functional calls (GoogLeNet's and DenseNet's F.relu) are both seen.
    Returns (margin, "module path: function").
    """
    worst = [math.inf, None]
    stack = [""]
    orig = {n: getattr(F, n) for n in ("relu", "hardtanh", "hardswish", "hardsigmoid", "max_pool2d")}

    def note(r, what):
        if r < worst[0]:
            worst[0], worst[1] = r, f"{stack[-1] or '<root>'}: {what}"

    def points(a, pts, what):
        scale = a.detach().std().item() or 1.0
        for p in pts:
            note((a.detach() - p).abs().min().item() / scale, what)

    def relu(input, inplace=False):
        points(input, (0.0,), "relu")
        return orig["relu"](input, inplace=inplace)

    def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
        points(input, (min_val, max_val), "hardtanh")
        return orig["hardtanh"](input, min_val, max_val, inplace)

    def hardswish(input, inplace=False):
        points(input, (-3.0, 3.0), "hardswish")
        return orig["hardswish"](input, inplace)

    def hardsigmoid(input, inplace=False):
        points(input, (-3.0, 3.0), "hardsigmoid")
        return orig["hardsigmoid"](input, inplace)

    def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                   return_indices=False):
        out = orig["max_pool2d"](input, kernel_size, stride, padding, dilation, ceil_mode=ceil_mode,
                                 return_indices=return_indices)
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        k, st, pd, dl = pair(kernel_size), pair(stride or kernel_size), pair(padding), pair(dilation)
        oh, ow = (out[0] if return_indices else out).shape[-2:]
        a = input.detach()
        # pad with -inf (left/top: padding; right/bottom: enough for ceil_mode), then take the windows
        need_h = (oh - 1) * st[0] + dl[0] * (k[0] - 1) + 1
        need_w = (ow - 1) * st[1] + dl[1] * (k[1] - 1) + 1
        a = orig_pad(a, (pd[1], max(0, need_w - a.shape[-1] - pd[1]), pd[0], max(0, need_h - a.shape[-2] - pd[0])),
                     value=-math.inf)
        win = a.unfold(2, dl[0] * (k[0] - 1) + 1, st[0])[:, :, :oh].unfold(3, dl[1] * (k[1] - 1) + 1, st[1])[:, :, :, :ow]
        win = win[..., :: dl[0], :: dl[1]].reshape(*win.shape[:4], -1)
        assert torch.equal(win.max(dim=-1).values, out[0] if return_indices else out), "window extraction"
        if win.shape[-1] >= 2:
            top = win.topk(2, dim=-1).values
            # exact ties (e.g. two units equal to relu(bias) because their inputs are all 0) are computed
            # exactly in any runtime and resolved the same way (first maximum); only near-ties can flip
            live = (top[..., 0] > 0) & torch.isfinite(top[..., 1]) & (top[..., 0] != top[..., 1])
            if live.any():
                scale = input.detach().std().item() or 1.0
                note((top[..., 0] - top[..., 1])[live].min().item() / scale, "max_pool2d near-tie")
        return out

    orig_pad = F.pad
    handles = []
    for mod_name, mod in model64.named_modules():
        handles.append(mod.register_forward_pre_hook(lambda _m, _i, n=mod_name: stack.append(n)))
        handles.append(mod.register_forward_hook(lambda _m, _i, _o: stack.pop() and None))  # must return None
    try:
        for n, fn in (("relu", relu), ("hardtanh", hardtanh), ("hardswish", hardswish),
                      ("hardsigmoid", hardsigmoid), ("max_pool2d", max_pool2d)):
            setattr(F, n, fn)
        with torch.no_grad():
            model64(x64)
    finally:
        for n, fn in orig.items():
            setattr(F, n, fn)
        for h in handles:
            h.remove()
    return worst[0], worst[1]


def choose_input(name, model, hw, layer, seed):
    """Standard-normal input, redrawn (seed, seed+1, ...) until it is a fair test: every ReLU-like unit is
    at least KINK_MARGIN (relative) away from its kink, and PyTorch's own float32 gradients agree with
    the float64 reference to 1e-4 relative L2. A unit within rounding of a kink can switch between
    runtimes and move the gradient by several percent; that would test luck, not gradient rules."""
    model64 = copy.deepcopy(model).double().eval()
    last = None
    for attempt in range(MAX_INPUT_ATTEMPTS):
        x = torch.randn(1, 3, hw, hw, generator=torch.Generator().manual_seed(seed + attempt))
        margin, where = kink_margin(model64, x.double())
        if margin < KINK_MARGIN:
            last = f"unit of {where} at relative distance {margin:.1e} from its kink"
            continue
        ref = reference(model, x, layer, torch.float64)
        ref32 = reference(model, x, layer, torch.float32)
        rels = {k: compare(ref32[k], ref[k])["relL2"] for k in ("logit_grad", "layer_grad")}
        if max(rels.values()) >= 1e-4:
            last = f"float32 vs float64 gradients differ: {rels}"
            continue
        if ref["logit_grad"].abs().max() == 0 or ref["layer_grad"].abs().max() == 0:
            last = "a reference gradient is identically zero"
            continue
        return x, ref, ref32, margin, attempt
    raise RuntimeError(f"{name}: no well-conditioned input in {MAX_INPUT_ATTEMPTS} draws; last: {last}")


def finite_difference_check(model, x, layer, ref, seed):
    """Central differences (float64, step 1e-7) of both objectives along two random unit directions,
    against the directional derivatives <grad, v> of the reference gradients. Returns the worst
    relative error per objective (relative to |grad|, the largest possible directional derivative)."""
    m = copy.deepcopy(model).double().eval()
    captured = {}
    m.get_submodule(layer).register_forward_hook(lambda _m, _i, o: captured.__setitem__("a", o))
    x64 = x.double()
    gen = torch.Generator().manual_seed(seed)
    h = 1e-7
    worst = {"logit": 0.0, "layer": 0.0}
    with torch.no_grad():
        def objectives(inp):
            logits = m(inp)
            return (ref["seed"] * logits).sum().item(), captured["a"].pow(2).mean().item()

        for _ in range(2):
            v = torch.randn(x.shape, generator=gen, dtype=torch.float64)
            v /= v.norm()
            (lp, ap), (lm, am) = objectives(x64 + h * v), objectives(x64 - h * v)
            for key, fd, grad in (("logit", (lp - lm) / (2 * h), ref["logit_grad"]),
                                  ("layer", (ap - am) / (2 * h), ref["layer_grad"])):
                err = abs(fd - (grad * v).sum().item()) / grad.norm().item()
                worst[key] = max(worst[key], err)
    return {k: float(f"{v:.2e}") for k, v in worst.items()}


def make_fixture(spec, out_dir):
    name = spec["name"]
    seed = seed_for(spec.get("seed_of", name))
    torch.manual_seed(seed)
    model, arch_note = spec["build"]()
    hw = spec["hw"]
    randomize(model, hw, seed + 1)
    opset, fold_bn = spec["opset"], spec["fold_bn"]

    # Draw the input until no unit sits near a kink (see choose_input), then export.
    x, ref, ref32, margin, attempt = choose_input(name, model, hw, spec["layer"], seed + 2)

    fd = finite_difference_check(model, x, spec["layer"], ref, seed + 3)
    if max(fd.values()) > 1e-5:
        raise RuntimeError(f"{name}: reference gradient disagrees with finite differences: {fd}")

    data_onnx = export_bytes(model, x, opset, fold_bn)
    proto = onnx.load_from_string(data_onnx)
    onnx.checker.check_model(proto, full_check=True)
    layer_tensor = find_layer_tensor(model, x, spec["layer"], opset, fold_bn, proto)
    produced = {o: n.op_type for n in proto.graph.node for o in n.output}
    if layer_tensor not in produced:
        raise RuntimeError(f"{name}: layer tensor {layer_tensor} not found in the exported graph")
    layer_dims = tensor_dims(proto, layer_tensor)
    if layer_dims != ref["layer_shape"]:
        raise RuntimeError(f"{name}: ONNX dims {layer_dims} != torch {ref['layer_shape']} for {layer_tensor}")
    # the same model run again must give the same logits (eval mode, no dropout, deterministic)
    with torch.no_grad():
        again = model(x)
    assert compare(again, ref32["logits"])["relL2"] < 1e-6, name
    assert compare(again, ref["logits"])["relL2"] < 1e-4, name

    os.makedirs(os.path.join(out_dir, name), exist_ok=True)
    with open(os.path.join(out_dir, name, "model.onnx"), "wb") as f:
        f.write(data_onnx)

    blobs = [
        ("input", x, list(x.shape)),
        ("logits", ref["logits"], list(ref["logits"].shape)),
        ("logitSeed", ref["seed"], list(ref["seed"].shape)),
        ("logitGrad", ref["logit_grad"], list(x.shape)),
        ("layerGrad", ref["layer_grad"], list(x.shape)),
    ]
    data = bytearray()
    layout = {}
    for key, t, dims in blobs:
        b = to_f32_bytes(t)
        layout[key] = {"offset": len(data), "length": len(b), "dims": dims}
        data += b
    with open(os.path.join(out_dir, name, "data.bin"), "wb") as f:
        f.write(bytes(data))

    op_types = sorted({n.op_type for n in proto.graph.node})
    n_params = sum(p.numel() for p in model.parameters())
    entry = {
        "name": name,
        "torchvisionArchitecture": arch_note,
        "opset": opset,
        "irVersion": proto.ir_version,
        "bnFoldedIntoConv": fold_bn,
        "model": f"{name}/model.onnx",
        "data": f"{name}/data.bin",
        "modelBytes": len(data_onnx),
        "dataBytes": len(data),
        "parameters": n_params,
        "nodes": len(proto.graph.node),
        "input": {"name": "input", "dims": list(x.shape)},
        "inputDraw": {"seed": seed + 2 + attempt, "attempt": attempt, "minKinkMargin": float(f"{margin:.3e}") if math.isfinite(margin) else None},
        "output": {"name": "logits", "dims": list(ref["logits"].shape)},
        "layout": layout,
        "objectives": {
            "logit": {"kind": "logit", "output": "logits", "class": LOGIT_CLASS, "value": ref["logit_value"]},
            "layer": {
                "kind": "layer", "reduce": "mean-square", "tensor": layer_tensor, "dims": layer_dims,
                "producer": produced[layer_tensor], "torchModule": spec["layer"], "value": ref["layer_value"],
            },
        },
        "opTypes": op_types,
        "f32VsF64": {
            "logits": compare(ref32["logits"], ref["logits"]),
            "logitGrad": compare(ref32["logit_grad"], ref["logit_grad"]),
            "layerGrad": compare(ref32["layer_grad"], ref["layer_grad"]),
        },
        "finiteDifference": fd,
        "notes": spec_notes(spec, proto),
    }
    return entry


def spec_notes(spec, proto):
    notes = []
    if spec["fold_bn"]:
        notes.append("exported with TrainingMode.EVAL: torch folds BatchNorm into the preceding Conv")
    else:
        notes.append("exported with TrainingMode.PRESERVE on an eval-mode model: BatchNormalization nodes "
                     "kept (inference form) where the model has BatchNorm")
    notes.append("Dropout modules exist in the torch model (eval mode) and are dropped by the export")
    ops = {n.op_type for n in proto.graph.node}
    if spec["name"].startswith("convnext"):
        if "LayerNormalization" in ops:
            notes.append("opset 17: LayerNorm exported as LayerNormalization; GELU as Div/Erf/Add/Mul")
        else:
            notes.append("opset 13: LayerNorm decomposed (ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add); GELU as "
                         "Div/Erf/Add/Mul")
        notes.append("layer_scale re-initialised to U(0.3,0.7) (torchvision uses 1e-6)")
    if spec["name"] == "mobilenet_v3_small":
        notes.append("opset 13 has no HardSwish op: Hardswish exported as HardSigmoid + Mul")
    if spec["name"] == "efficientnet_b0":
        notes.append("SiLU exported as Sigmoid + Mul; StochasticDepth is identity in eval")
    return notes


def write_bench(bench_out):
    os.makedirs(bench_out, exist_ok=True)
    torch.manual_seed(seed_for("bench/resnet18"))
    model = build_resnet18_full()
    randomize(model, 64, seed_for("bench/resnet18") + 1)  # calibrate BN on 64x64 to keep it quick
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(seed_for("bench/resnet18") + 2))
    data = export_bytes(model, x, 13, True)
    onnx.checker.check_model(onnx.load_from_string(data))
    path = os.path.join(bench_out, "resnet18.onnx")
    with open(path, "wb") as f:
        f.write(data)
    return path, len(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/autodiff")
    ap.add_argument("--bench-out", default="bench/models/")
    ap.add_argument("--no-bench", action="store_true", help="skip the full-width ResNet-18 benchmark model")
    ap.add_argument("--only", default="", help="comma-separated fixture names (manifest keeps the others)")
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - {s["name"] for s in SPECS}
    if unknown:
        sys.exit(f"unknown fixture names: {sorted(unknown)}")

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
        entry = make_fixture(spec, args.out)
        lay = entry["objectives"]["layer"]
        print(f"{entry['name']:24s} in {entry['input']['dims']} opset {entry['opset']} "
              f"params {entry['parameters']:6d} nodes {entry['nodes']:4d} onnx {entry['modelBytes']:7d} B "
              f"data {entry['dataBytes']:6d} B layer {lay['tensor']} {lay['dims']} "
              f"f32 logitGrad relL2 {entry['f32VsF64']['logitGrad']['relL2']:.1e} "
              f"layerGrad {entry['f32VsF64']['layerGrad']['relL2']:.1e}", flush=True)
        models.append(entry)

    union = sorted({op for m in models for op in m["opTypes"]})
    manifest = {
        "description": "PyTorch autograd goldens for @fv/autodiff; generated by tools/autodiff_fixtures.py",
        "generator": "tools/autodiff_fixtures.py",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__},
        "dataFormat": "float32 little-endian; layout offsets/lengths in bytes into <name>/data.bin",
        "reference": "logits, objective values and gradients computed in float64 from the float32 weights "
                     "and float32 input, rounded to float32; f32VsF64 = PyTorch float32 autograd vs that",
        "objectives": {
            "logit": f"value = sum(logitSeed * logits), logitSeed = one-hot of class {LOGIT_CLASS}; "
                     "logitGrad = d value / d input",
            "layer": "value = mean(a^2) over all elements of tensor a = objectives.layer.tensor; "
                     "layerGrad = d value / d input",
        },
        "opTypesUnion": union,
        "models": models,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")

    total = 0
    for root, _dirs, files in os.walk(args.out):
        for fn in files:
            total += os.path.getsize(os.path.join(root, fn))
    print(f"op types ({len(union)}): {' '.join(union)}")
    print(f"total fixture size: {total} bytes ({total / 1e6:.2f} MB) in {args.out}")

    if not args.no_bench:
        path, size = write_bench(args.bench_out)
        print(f"benchmark model (do not commit): {path} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
