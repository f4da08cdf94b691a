#!/usr/bin/python3
"""Generate the PyTorch reference fixtures for @fv/core saliency methods.

Two tiny CNNs with fixed-seed random weights are exported to ONNX (``<name>.onnx``, input
``input`` with a free batch dimension, output ``logits``), and PyTorch autograd references for
one target class are stored in ``manifest.json``:

The target is the top class at the chosen input.

* ``vanilla``: d logit[target] / d input (the raw gradient the saliency maps are reduced from);
* ``gradientXInput``: that gradient times the input;
* ``ig``: integrated gradients from the black (all-zero) baseline, ``steps`` intervals, for the
  ``riemann-right`` (alpha = k/m, k = 1..m) and ``trapezoid`` rules, and the completeness gap;
* ``gradCam`` / ``gradCamPlusPlus``: at the ONNX tensor ``camLayer`` (the last ReLU output),
  at layer resolution (ReLU applied) and bilinearly upsampled (``align_corners=False``);
* ``guidedBackprop`` and ``deconvnet``: input gradients with ReLU backward replaced by
  ``relu(g) * (x > 0)`` and ``relu(g)``;
* ``scoreCam``: Score-CAM (Wang et al. 2020) at ``camLayer``, forward passes only:
  each channel A_k is upsampled to the input (bilinear, ``align_corners=False``) and min-max
  normalized to a mask H_k, the score S_k = f_c(x * H_k) - f_c(x_b) is taken against the black
  baseline x_b = 0, the weights are softmax_k(S_k) over channels and the CAM is
  relu(sum_k w_k A_k); channels whose map is constant (dead ReLUs, where min-max normalization
  is undefined) are left out, as the authors' code does; ``logit`` (f_c the target logit, layer
  resolution and upsampled) and ``probability`` (f_c = softmax(logits)_c, layer resolution);
* ``occlusion``: Captum's ``Occlusion`` with a square window over all channels, for the
  ``OCCLUSION`` settings: windows start at k * stride for k = 0..ceil((size - window) / stride)
  (a last window running past the edge is cut there), the window is set to the baseline, and
  each pixel gets the mean of f_c(x) - f_c(x occluded) over the windows that cover it.

References are computed in float64 from the same float32 weights and float32 input and rounded
to float32. Inputs are redrawn (next seed) until no ReLU pre-activation lies within 2e-5 of zero
and no max-pool window has a near-tie, at the input and at every integrated-gradients path point,
so that float32 rounding in another runtime cannot flip a unit.

The saliency ModelConfig in the tests is the default one (pixel/255, mean 0, std 1), so the
black baseline is the zero tensor.

Regenerate (Debian python3-torch 1.13 and python3-onnx 1.12; the test command never runs it)::

    /usr/bin/python3 tools/saliency_fixtures.py [--out test/fixtures/saliency]

Deterministic: a rerun gives identical files.
"""

import argparse
import io
import json
import os

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

MODE = {'relu': 'standard'}


class ModeReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        mode = MODE['relu']
        if mode == 'guided':
            return g.clamp(min=0) * (x > 0).to(g.dtype)
        if mode == 'deconvnet':
            return g.clamp(min=0)
        return g * (x > 0).to(g.dtype)


RECORD = {'pre': []}


def relu(x):
    RECORD['pre'].append(x.detach())
    if torch.onnx.is_in_onnx_export():
        return F.relu(x)
    return ModeReLU.apply(x)


class SmallCnn(nn.Module):
    """Conv-ReLU-MaxPool-Conv-ReLU-GAP-Linear, 3x16x16 -> 5 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x, keep=None):
        x = F.max_pool2d(relu(self.conv1(x)), 2)
        a = relu(self.conv2(x))
        if keep is not None:
            keep.append(a)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(a, 1), 1))


class SmallResNet(nn.Module):
    """Conv-ReLU, a residual block, AvgPool, Conv-ReLU, GAP, Linear; 3x20x20 -> 4 classes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 10, 3, padding=1, stride=1)
        self.fc = nn.Linear(10, 4)

    def forward(self, x, keep=None):
        x = relu(self.stem(x))
        x = relu(x + self.b(relu(self.a(x))))
        x = F.avg_pool2d(x, 2)
        a = relu(self.head(x))
        if keep is not None:
            keep.append(a)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(a, 1), 1))


SPECS = [
    {'name': 'small_cnn', 'cls': SmallCnn, 'dims': [1, 3, 16, 16], 'seed': 1},
    {'name': 'small_resnet', 'cls': SmallResNet, 'dims': [1, 3, 20, 20], 'seed': 2},
]
STEPS = 8
# Occlusion settings (window, stride, baseline in normalized input units; 0 is black here).
OCCLUSION = [(4, 2, 0.0), (3, 1, 0.5), (3, 2, 0.0)]


def make_model(spec):
    torch.manual_seed(spec['seed'])
    model = spec['cls']()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                nn.init.kaiming_normal_(p)
            else:
                p.uniform_(-0.1, 0.1)
    return model.eval()


def ig_points(rule):
    if rule == 'riemann-right':
        return [(k / STEPS, 1 / STEPS) for k in range(1, STEPS + 1)]
    return [(k / STEPS, (0.5 if k in (0, STEPS) else 1) / STEPS) for k in range(STEPS + 1)]


def grad(model64, x, target, mode='standard'):
    MODE['relu'] = mode
    x = x.clone().requires_grad_(True)
    logits = model64(x)
    logits[0, target].backward()
    MODE['relu'] = 'standard'
    return x.grad.detach(), logits.detach()


def margin_ok(model64, x, pool_check):
    RECORD['pre'] = []
    with torch.no_grad():
        model64(x)
    for pre in RECORD['pre']:
        if pre.abs().min().item() < 2e-5:
            return False
    if pool_check:
        # Max-pool near-ties on the first ReLU output.
        a = RECORD['pre'][0].clamp(min=0)
        n, c, h, w = a.shape
        win = a.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        top2 = win.topk(2, dim=-1).values
        if ((top2[..., 0] - top2[..., 1]).abs() < 2e-5)[top2[..., 0] > 0].any():
            return False
    return True


def choose_input(model64, spec):
    seed = 100 * spec['seed']
    while True:
        g = torch.Generator().manual_seed(seed)
        x = torch.rand(spec['dims'], generator=g).to(torch.float32)
        x64 = x.double()
        pool = spec['cls'] is SmallCnn
        ok = margin_ok(model64, x64, pool)
        for rule in ('riemann-right', 'trapezoid'):
            for alpha, _ in ig_points(rule):
                if alpha > 0 and ok:
                    ok = margin_ok(model64, alpha * x64, pool)
        if ok:
            return x, seed
        seed += 1


def f32(t):
    # 9 significant digits round-trip float32 exactly.
    return [float('%.9g' % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def cam_refs(model64, x64, target):
    keep = []
    x = x64.clone()
    logits = model64(x, keep)
    a = keep[0]
    a.retain_grad()
    logits[0, target].backward()
    g = a.grad.detach()
    a = a.detach()
    weights = g.mean(dim=(2, 3), keepdim=True)
    cam = (weights * a).sum(dim=1, keepdim=True).clamp(min=0)
    g2 = g**2
    g3 = g**3
    sum_a = a.sum(dim=(2, 3), keepdim=True)
    denom = 2 * g2 + sum_a * g3
    alpha = torch.where(g != 0, g2 / torch.where(denom != 0, denom, torch.ones_like(denom)), torch.zeros_like(g))
    w_pp = (alpha * g.clamp(min=0)).sum(dim=(2, 3), keepdim=True)
    cam_pp = (w_pp * a).sum(dim=1, keepdim=True).clamp(min=0)
    size = x64.shape[2:]
    up = F.interpolate(cam, size=size, mode='bilinear', align_corners=False)
    up_pp = F.interpolate(cam_pp, size=size, mode='bilinear', align_corners=False)
    return {
        'camDims': list(cam.shape[2:]),
        'gradCam': f32(cam),
        'gradCamUpsampled': f32(up),
        'gradCamPlusPlus': f32(cam_pp),
        'gradCamPlusPlusUpsampled': f32(up_pp),
    }


def target_score(model64, batch, target, score):
    with torch.no_grad():
        logits = model64(batch)
    return logits[:, target] if score == 'logit' else logits.softmax(dim=1)[:, target]


def score_cam_ref(model64, x64, target, score):
    keep = []
    with torch.no_grad():
        model64(x64, keep)
    a = keep[0]
    up = F.interpolate(a, size=x64.shape[2:], mode='bilinear', align_corners=False)
    lo = up.amin(dim=(2, 3), keepdim=True)
    hi = up.amax(dim=(2, 3), keepdim=True)
    # s(M) = (M - min) / (max - min) is undefined for a constant map (a dead ReLU channel):
    # such channels are left out, as the authors' code does.
    live = (hi > lo).reshape(-1)
    up, lo, hi, a = up[:, live], lo[:, live], hi[:, live], a[:, live]
    masks = ((up - lo) / (hi - lo)).transpose(0, 1)  # [K, 1, H, W], one mask per channel
    s = target_score(model64, x64 * masks, target, score)
    s = s - target_score(model64, torch.zeros_like(x64), target, score)
    w = s.softmax(dim=0).reshape(1, -1, 1, 1)
    cam = (w * a).sum(dim=1, keepdim=True).clamp(min=0)
    return cam, F.interpolate(cam, size=x64.shape[2:], mode='bilinear', align_corners=False)


def occlusion_ref(model64, x64, target, window, stride, baseline):
    _, _, height, width = x64.shape
    f_x = target_score(model64, x64, target, 'logit')[0]
    total = torch.zeros(height, width, dtype=torch.float64)
    count = torch.zeros(height, width, dtype=torch.float64)
    rows = [k * stride for k in range(-(-(height - window) // stride) + 1)]
    cols = [k * stride for k in range(-(-(width - window) // stride) + 1)]
    for y in rows:
        for x in cols:
            occluded = x64.clone()
            occluded[:, :, y : y + window, x : x + window] = baseline
            drop = f_x - target_score(model64, occluded, target, 'logit')[0]
            total[y : y + window, x : x + window] += drop
            count[y : y + window, x : x + window] += 1
    assert (count > 0).all()
    return total / count


def forward_refs(model64, x64, target):
    cam, up = score_cam_ref(model64, x64, target, 'logit')
    cam_p, _ = score_cam_ref(model64, x64, target, 'probability')
    return {
        'scoreCam': {
            'logit': {'cam': f32(cam), 'upsampled': f32(up)},
            'probability': {'cam': f32(cam_p)},
        },
        'occlusion': [
            {
                'window': window,
                'stride': stride,
                'baseline': baseline,
                'attribution': f32(occlusion_ref(model64, x64, target, window, stride, baseline)),
            }
            for window, stride, baseline in OCCLUSION
        ],
    }


def export(model, spec, path):
    buf = io.BytesIO()
    torch.onnx.export(
        model,
        torch.zeros(spec['dims']),
        buf,
        input_names=['input'],
        output_names=['logits'],
        dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
        opset_version=13,
        do_constant_folding=True,
    )
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    # The CAM layer: output of the last Relu node.
    relus = [n.output[0] for n in proto.graph.node if n.op_type == 'Relu']
    data = proto.SerializeToString()
    with open(path, 'wb') as f:
        f.write(data)
    return relus[-1], sorted({n.op_type for n in proto.graph.node}), len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='test/fixtures/saliency')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    models = []
    for spec in SPECS:
        model = make_model(spec)
        model64 = make_model(spec).double()
        x, seed = choose_input(model64, spec)
        x64 = x.double()
        with torch.no_grad():
            target = int(model64(x64)[0].argmax().item())
        vanilla, logits = grad(model64, x64, target)
        guided, _ = grad(model64, x64, target, 'guided')
        deconv, _ = grad(model64, x64, target, 'deconvnet')
        ig = {}
        for rule in ('riemann-right', 'trapezoid'):
            total = torch.zeros_like(x64)
            for alpha, weight in ig_points(rule):
                g, _ = grad(model64, alpha * x64, target)
                total += weight * g
            attribution = x64 * total
            with torch.no_grad():
                f_x = model64(x64)[0, target].item()
                f_0 = model64(torch.zeros_like(x64))[0, target].item()
            ig[rule] = {
                'attribution': f32(attribution),
                'gap': attribution.sum().item() - (f_x - f_0),
                'scoreAtBaseline': f_0,
            }
        cams = cam_refs(model64, x64, target)
        for key, value in (('guided', guided), ('deconvnet', deconv), ('gradCam', cams['gradCam'])):
            if not any(float(v) != 0 for v in (value.reshape(-1).tolist() if torch.is_tensor(value) else value)):
                raise SystemExit(f"{spec['name']}: reference {key} is all zero; pick another seed")
        layer, op_types, size = export(model, spec, os.path.join(args.out, spec['name'] + '.onnx'))
        models.append(
            {
                'name': spec['name'],
                'model': spec['name'] + '.onnx',
                'modelBytes': size,
                'opTypes': op_types,
                'dims': spec['dims'],
                'inputSeed': seed,
                'target': target,
                'camLayer': layer,
                'input': f32(x),
                'logits': f32(logits),
                'vanilla': f32(vanilla),
                'gradientXInput': f32(vanilla * x64),
                'guidedBackprop': f32(guided),
                'deconvnet': f32(deconv),
                'igSteps': STEPS,
                'ig': ig,
                **cams,
                **forward_refs(model64, x64, target),
            }
        )
    manifest = {
        'description': 'PyTorch references for @fv/core saliency; generated by tools/saliency_fixtures.py, do not edit',
        'generator': 'tools/saliency_fixtures.py',
        'versions': {'torch': torch.__version__, 'onnx': onnx.__version__},
        'reference': 'float64 PyTorch autograd on the float32 weights and input, rounded to float32',
        'models': models,
    }
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
