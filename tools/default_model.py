#!/usr/bin/python3
"""Generate fv's default model: a compact CNN trained on synthetic coloured shapes.

The README's main command (``npm start``) and the CLI tests need a classifier that ships with
the repository (no download). This script makes one from nothing:

* a labelled synthetic image set: ten classes of coloured shapes and textures (see ``CLASSES``)
  at 64×64, each drawn at a random position, size, rotation and colour jitter on a cluttered
  background (smooth colour noise plus random small blobs and line segments), with the object's
  mask known;
* a compact CNN (Conv / BatchNormalization / ReLU / MaxPool / residual Add /
  GlobalAveragePool / Flatten / Gemm, about 115 k parameters) trained on it, with a "right for
  the right reasons" penalty (Ross et al. 2017) on the share of the target logit's squared input
  gradient outside the (2 px dilated) object mask, so that the model's saliency is known to lie on
  the object and the pointing-game test checks fv's saliency pipeline rather than luck;
* ``models/default/shapes10.onnx`` (input ``input`` N×3×64×64, output ``logits`` N×10, opset 13,
  BatchNormalization kept as its own node) and ``shapes10.fv.json`` (the CLI's sidecar
  ``ModelConfig``: RGB, pixel/255, mean 0.5, std 0.25, labels);
* ``models/default/heldout/``: a held-out set (``NN-label.png`` with ``NN-label.mask.png``, the
  object mask, white inside) for the saliency "pointing game" test, and ``samples/`` with one
  image per class;
* it prints the held-out accuracy on a larger generated set, and the pointing-game score of the
  vanilla gradient (|∂logit/∂x| max over channels) as a check of the saliency test bed.

Regenerate (Debian python3-torch 1.13 and python3-onnx 1.12; the test command never runs it)::

    /usr/bin/python3 tools/default_model.py [--out models/default] [--seed 0]

Deterministic given ``--seed``: the data come from a seeded NumPy generator and training runs
with ``torch.use_deterministic_algorithms(True)`` on a fixed thread count.

Result with the defaults (seed 0, 5,000 training images, 2 epochs): held-out accuracy 99.6 % on
1,000 freshly generated images (100 % on the 40 committed ones), vanilla-gradient pointing game
0.916 (0.975 on the committed 40); about 8 CPU-minutes (2 threads).
"""

import argparse
import io
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

SIZE = 64
THREADS = 2
torch.set_num_threads(THREADS)
torch.use_deterministic_algorithms(True)

# (label, shape, fill): fill is a base RGB colour or a texture name.
CLASSES = [
    ('red disc', 'disc', (220, 30, 30)),
    ('green square', 'square', (30, 190, 40)),
    ('blue triangle', 'triangle', (30, 60, 230)),
    ('yellow cross', 'cross', (235, 215, 20)),
    ('magenta ring', 'ring', (215, 40, 200)),
    ('cyan diamond', 'diamond', (20, 210, 220)),
    ('striped disc', 'disc', 'stripes'),
    ('checkered square', 'square', 'checker'),
    ('dotted triangle', 'triangle', 'dots'),
    ('target rings', 'disc', 'target'),
]
LABELS = [c[0] for c in CLASSES]
MEAN, STD = 0.5, 0.25

YY, XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


def shape_mask(shape, cx, cy, r, theta):
    """Boolean mask of ``shape`` centred at (cx, cy) with radius ``r`` rotated by ``theta``."""
    dx, dy = XX - cx, YY - cy
    c, s = np.cos(theta), np.sin(theta)
    u, v = c * dx + s * dy, -s * dx + c * dy
    d = np.hypot(dx, dy)
    if shape == 'disc':
        return d < r
    if shape == 'square':
        return np.maximum(np.abs(u), np.abs(v)) < 0.8 * r
    if shape == 'diamond':
        return np.abs(u) + np.abs(v) < 1.1 * r
    if shape == 'ring':
        return (d < r) & (d > 0.55 * r)
    if shape == 'cross':
        w = 0.32 * r
        return ((np.abs(u) < w) & (np.abs(v) < r)) | ((np.abs(v) < w) & (np.abs(u) < r))
    if shape == 'triangle':
        inside = np.ones_like(u, dtype=bool)
        for k in range(3):
            a = theta + k * 2 * np.pi / 3
            inside &= np.cos(a) * dx + np.sin(a) * dy < 0.55 * r
        return inside
    raise ValueError(shape)


def jitter(rng, rgb, amount=30):
    return np.clip(np.array(rgb, np.float32) + rng.uniform(-amount, amount, 3), 0, 255)


def texture(rng, kind, theta):
    """A full-size RGB texture (H×W×3 float) for the textured classes."""
    c, s = np.cos(theta), np.sin(theta)
    u, v = c * XX + s * YY, -s * XX + c * YY
    if kind == 'stripes':
        period = rng.uniform(5, 8)
        on = (np.floor(u / (period / 2)) % 2) == 0
        a, b = jitter(rng, (245, 245, 245), 10), jitter(rng, (20, 20, 20), 15)
    elif kind == 'checker':
        cell = rng.uniform(3.5, 5.5)
        on = ((np.floor(u / cell) + np.floor(v / cell)) % 2) == 0
        a, b = jitter(rng, (250, 140, 0), 20), jitter(rng, (15, 15, 15), 10)
    elif kind == 'dots':
        period = rng.uniform(5, 7)
        fu, fv = (u % period) - period / 2, (v % period) - period / 2
        on = np.hypot(fu, fv) < period * 0.3
        a, b = jitter(rng, (255, 255, 255), 10), jitter(rng, (120, 30, 160), 25)
    elif kind == 'target':
        return None  # drawn from the distance to the centre, see render()
    else:
        raise ValueError(kind)
    return np.where(on[..., None], a, b)


def background(rng):
    """Smooth colour noise with random blobs and line segments (the clutter)."""
    coarse = rng.uniform(40, 200, (4, 4, 3)).astype(np.float32)
    img = np.asarray(
        Image.fromarray(coarse.astype(np.uint8)).resize((SIZE, SIZE), Image.BICUBIC), np.float32
    ).copy()
    img += rng.normal(0, 12, img.shape)
    for _ in range(rng.integers(6, 13)):
        colour = rng.uniform(0, 255, 3)
        if rng.random() < 0.5:
            cx, cy, r = rng.uniform(0, SIZE, 2).tolist() + [rng.uniform(1.5, 4)]
            m = np.hypot(XX - cx, YY - cy) < r
        else:
            x0, y0 = rng.uniform(0, SIZE, 2)
            ang = rng.uniform(0, np.pi)
            length = rng.uniform(8, 24)
            dx, dy = XX - x0, YY - y0
            t = np.clip(dx * np.cos(ang) + dy * np.sin(ang), 0, length)
            m = np.hypot(dx - t * np.cos(ang), dy - t * np.sin(ang)) < rng.uniform(0.6, 1.3)
        img[m] = colour
    return img


def render(rng, label):
    """One image (64×64×3 uint8) of class ``label`` and its object mask."""
    _, shape, fill = CLASSES[label]
    img = background(rng)
    r = rng.uniform(11, 19)
    cx, cy = rng.uniform(r * 0.85, SIZE - r * 0.85, 2)
    theta = rng.uniform(0, 2 * np.pi)
    mask = shape_mask(shape, cx, cy, r, theta)
    if fill == 'target':
        d = np.hypot(XX - cx, YY - cy)
        band = rng.uniform(3.5, 5)
        on = (np.floor(d / band) % 2) == 0
        tex = np.where(on[..., None], jitter(rng, (230, 20, 20), 20), jitter(rng, (245, 245, 245), 10))
    elif isinstance(fill, str):
        tex = texture(rng, fill, rng.uniform(0, np.pi))
    else:
        tex = np.broadcast_to(jitter(rng, fill), img.shape)
    shade = 1 + 0.15 * ((XX - cx) * np.cos(theta) + (YY - cy) * np.sin(theta)) / r
    img[mask] = (tex * shade[..., None])[mask]
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def dataset(rng, n):
    labels = np.arange(n) % len(CLASSES)
    rng.shuffle(labels)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    masks = np.empty((n, SIZE, SIZE), bool)
    for i, label in enumerate(labels):
        images[i], masks[i] = render(rng, int(label))
    return images, masks, labels


def to_tensor(images):
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0
    return (x - MEAN) / STD


class Residual(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(y)))


def conv_bn(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()
    )


class ShapesNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        # A strided 5×5 stem keeps the 64×64 stage cheap on a CPU.
        self.stem = nn.Sequential(
            nn.Conv2d(3, 16, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(16), nn.ReLU()
        )  # 32×32
        self.conv2 = conv_bn(16, 32)
        self.pool2 = nn.MaxPool2d(2)  # 16
        self.block2 = Residual(32)
        self.conv3 = conv_bn(32, 64)
        self.pool3 = nn.MaxPool2d(2)  # 8
        self.block3 = Residual(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.block2(self.pool2(self.conv2(x)))
        x = self.block3(self.pool3(self.conv3(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def pointing_game(model, images, masks, labels):
    model.eval()
    x = to_tensor(images).requires_grad_(True)
    logits = model(x)
    logits.gather(1, torch.from_numpy(labels).long()[:, None]).sum().backward()
    sal = x.grad.abs().amax(1).numpy()
    hits = 0
    for s, m in zip(sal, masks):
        y, xx = np.unravel_index(np.argmax(s), s.shape)
        hits += bool(m[y, xx])
    return hits / len(images)


# Short tensor names for the CLI (`fv dream … --layer block3`): the output of each stage.
STAGE_NAMES = {
    '/stem/stem.2/Relu_output_0': 'stem',
    '/conv2/conv2.2/Relu_output_0': 'conv2',
    '/block2/Relu_1_output_0': 'block2',
    '/conv3/conv3.2/Relu_output_0': 'conv3',
    '/block3/Relu_1_output_0': 'block3',
}


def rename_tensors(proto):
    """Renames node outputs: stage outputs per ``STAGE_NAMES``, others without the leading ``/``
    and the ``_output_0`` suffix (``block3/conv1/Conv``)."""
    graph_io = {v.name for v in proto.graph.input} | {v.name for v in proto.graph.output}
    graph_io |= {t.name for t in proto.graph.initializer}
    names = {}
    for node in proto.graph.node:
        for out in node.output:
            if out not in graph_io:
                names[out] = STAGE_NAMES.get(out, out.lstrip('/').replace('_output_0', ''))
        node.name = node.name.lstrip('/')
    for node in proto.graph.node:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]
    for info in proto.graph.value_info:
        info.name = names.get(info.name, info.name)
    return proto


def save_png(path, array):
    Image.fromarray(array).save(path, optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('--out', default=os.path.join(here, '..', 'models', 'default'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train', type=int, default=5000, help='training images')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--rrr', type=float, default=2.0, help='weight of the gradient penalty')
    parser.add_argument('--heldout', type=int, default=40, help='held-out images committed')
    args = parser.parse_args()
    start = time.time()

    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    train_x, train_m, train_y = dataset(rng, args.train)
    test_x, test_m, test_y = dataset(np.random.default_rng(args.seed + 1), 1000)
    print(f'data: {args.train} train, {len(test_y)} test images ({time.time() - start:.0f} s)')

    model = ShapesNet(len(CLASSES))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 64
    steps = args.epochs * (args.train // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    xs, ys = to_tensor(train_x), torch.from_numpy(train_y).long()
    # Outside the object, dilated by 2 px so that its edges are not penalized.
    outside = 1 - F.max_pool2d(torch.from_numpy(train_m).float()[:, None], 5, stride=1, padding=2)
    order_rng = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(ys), generator=order_rng)
        total = 0.0
        for i in range(args.train // batch):
            idx = perm[i * batch : (i + 1) * batch]
            xb, ob = xs[idx], outside[idx]
            # Flips keep every class's identity (all shapes are symmetric under them up to rotation).
            if i % 2:
                xb, ob = xb.flip(3), ob.flip(3)
            xb.requires_grad_(True)
            logits = model(xb)
            loss = F.cross_entropy(logits, ys[idx], label_smoothing=0.05)
            # "Right for the right reasons" (Ross et al. 2017): penalize the share of the target
            # logit's squared input gradient that lies outside the object, so the model's true
            # saliency is known to be on the object and the pointing game tests the pipeline.
            (g,) = torch.autograd.grad(logits.gather(1, ys[idx][:, None]).sum(), xb, create_graph=True)
            energy = (g**2).sum(1, keepdim=True)
            share = (energy * ob).flatten(1).sum(1) / (energy.flatten(1).sum(1) + 1e-12)
            loss = loss + args.rrr * share.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(to_tensor(test_x[j : j + 500])).argmax(1) for j in range(0, len(test_y), 500)])
        acc = (pred.numpy() == test_y).mean()
        print(f'epoch {epoch + 1}: loss {total / (args.train // batch):.4f}, held-out accuracy {acc:.4f} ({time.time() - start:.0f} s)')

    model.eval()
    pg = pointing_game(model, test_x, test_m, test_y)
    print(f'held-out accuracy {acc:.4f} on {len(test_y)} images; vanilla pointing game {pg:.3f}')

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'shapes10.onnx')
    buf = io.BytesIO()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, SIZE, SIZE),
        buf,
        input_names=['input'],
        output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
        opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )
    model.eval()
    proto = rename_tensors(onnx.load_from_string(buf.getvalue()))
    proto.producer_name = 'fv tools/default_model.py'
    for key, value in {
        'labels': json.dumps(LABELS),
        'mean': json.dumps([MEAN] * 3),
        'std': json.dumps([STD] * 3),
        'scale': str(1 / 255),
        'color_order': 'RGB',
        'layout': 'NCHW',
        'heldout_accuracy': f'{acc:.4f}',
    }.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, onnx_path)
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f'{onnx_path}: {os.path.getsize(onnx_path)} bytes, ops {", ".join(ops)}')

    config = {
        'input': 'input',
        'logits': 'logits',
        'width': SIZE,
        'height': SIZE,
        'layout': 'NCHW',
        'colorOrder': 'RGB',
        'scale': 1 / 255,
        'mean': [MEAN] * 3,
        'std': [STD] * 3,
        'labels': LABELS,
    }
    with open(os.path.join(args.out, 'shapes10.fv.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')

    # The committed held-out set and one sample per class: a fresh generator, never trained on.
    held_rng = np.random.default_rng(args.seed + 2)
    held_dir = os.path.join(args.out, 'heldout')
    sample_dir = os.path.join(args.out, 'samples')
    os.makedirs(held_dir, exist_ok=True)
    os.makedirs(sample_dir, exist_ok=True)
    hx, hm, hy = dataset(held_rng, args.heldout)
    with torch.no_grad():
        hp = model(to_tensor(hx)).argmax(1).numpy()
    for i, (img, m, y) in enumerate(zip(hx, hm, hy)):
        stem = f'{i:02d}-{LABELS[y].replace(" ", "-")}'
        save_png(os.path.join(held_dir, f'{stem}.png'), img)
        save_png(os.path.join(held_dir, f'{stem}.mask.png'), (m * 255).astype(np.uint8))
    seen = set()
    for img, y in zip(hx, hy):
        if y not in seen:
            seen.add(y)
            save_png(os.path.join(sample_dir, f'{LABELS[y].replace(" ", "-")}.png'), img)
    hpg = pointing_game(model, hx, hm, hy)
    print(
        f'committed held-out set: {args.heldout} images, accuracy {(hp == hy).mean():.3f}, '
        f'vanilla pointing game {hpg:.3f}; done in {time.time() - start:.0f} s'
    )


if __name__ == '__main__':
    main()
