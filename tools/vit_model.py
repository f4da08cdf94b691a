#!/usr/bin/python3
"""Generate fv's default vision transformer: a tiny ViT trained on the synthetic coloured shapes.

The CNN default (``tools/default_model.py``, ``models/default/``) shows convolutional saliency; this
script makes its transformer sibling, on the same data, so the transformer explanations
(attention rollout, transformer attribution, ViT Grad-CAM) are shown and tested on a model that
has learned something:

* the model: a ViT (Dosovitskiy et al. 2021) in the timm layout the reference explanation code
  uses (Abnar & Zuidema's rollout as in jacobgil/vit-explain, Chefer et al.'s relevance, pytorch-
  grad-cam's ``reshape_transform``): 8×8 patches of a 64×64 image (an 8×8 grid), a class token,
  learned position embeddings, ``DEPTH`` pre-norm blocks (LayerNorm, multi-head self-attention
  with one fused qkv projection, LayerNorm, GELU MLP), a final LayerNorm and a linear head on the
  class token;
* training: the same generator, classes and "right for the right reasons" penalty (Ross et al.
  2017) as the CNN (the share of the target logit's squared input gradient outside the dilated
  object mask), AdamW with a one-cycle schedule, flips;
* ``models/vit/``, laid out as a Hugging Face / transformers.js model folder: ``onnx/model.onnx``
  (opset 17 with ``LayerNormalization``; input ``pixel_values`` N×3×64×64, output ``logits``
  N×10; the attention probabilities are the ``Softmax`` outputs ``blocks.K/attn/Softmax``),
  ``config.json`` (``id2label``, sizes) and ``preprocessor_config.json`` (shortest-edge resize to
  64, centre crop 64×64, rescale 1/255, normalize with mean 0.5 and std 0.25 — the CNN's
  preprocessing);
* it prints the held-out accuracy on 1,000 freshly generated images and the pointing game
  (maximum of the map inside the object) of the three transformer explanations, computed here in
  PyTorch, on the same images and on the CNN's 40 committed held-out images
  (``models/default/heldout/``, drawn from another seed, never trained on).

Regenerate (Debian python3-torch 1.13 and python3-onnx 1.12; the test command never runs it)::

    nice /usr/bin/python3 tools/vit_model.py [--out models/vit] [--seed 0]

Deterministic given ``--seed`` (seeded NumPy data, ``torch.use_deterministic_algorithms``, a fixed
thread count).
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

import default_model as shapes

SIZE = shapes.SIZE
PATCH = 8
GRID = SIZE // PATCH
# One thread: on a shared 2-core machine a second thread spins more than it computes.
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


class Attention(nn.Module):
    """timm's ``Attention``: fused qkv, softmax(q·kᵀ/√d), the probabilities kept for explanations."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.keep = False
        self.attn = None

    def forward(self, x):
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        if self.keep:
            # As Chefer et al.'s and jacobgil's code: the probabilities and, through retain_grad,
            # their gradient (attn.grad after backward).
            attn.retain_grad()
            self.attn = attn
        x = (attn @ v).transpose(1, 2).reshape(b, t, d)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """``pool``: ``class`` (head on the class token, ViT), ``distilled`` (class and distillation
    tokens, the mean of two heads at inference, DeiT) or ``mean`` (no extra token, the head on the
    mean of the tokens)."""

    def __init__(self, classes=10, dim=48, depth=4, heads=3, mlp=96, patch=PATCH, size=SIZE, pool='class'):
        super().__init__()
        self.pool = pool
        self.prefix = {'class': 1, 'distilled': 2, 'mean': 0}[pool]
        self.grid = size // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        if self.prefix:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        if pool == 'distilled':
            self.dist_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.head_dist = nn.Linear(dim, classes)
        self.pos_embed = nn.Parameter(torch.randn(1, self.prefix + self.grid**2, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def keep_attention(self, keep=True):
        for blk in self.blocks:
            blk.attn.keep = keep

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        n = x.shape[0]
        extra = []
        if self.prefix:
            extra.append(self.cls_token.expand(n, -1, -1))
        if self.pool == 'distilled':
            extra.append(self.dist_token.expand(n, -1, -1))
        x = torch.cat(extra + [x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        if self.pool == 'class':
            return self.head(x[:, 0])
        if self.pool == 'distilled':
            return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2
        return self.head(x.mean(1))


# --------------------------------------------------------------------------------------------
# The three explanations, batched, for the pointing game printed here (tools/vit_saliency_
# fixtures.py has the one-image references the tests compare fv with, in float64).
# --------------------------------------------------------------------------------------------


def explain(model, x, labels):
    """Attention rollout (mean fusion), transformer attribution and Grad-CAM at the last block's
    norm1, each on the patch grid (N×GRID×GRID)."""
    model.eval()
    model.keep_attention(True)
    acts = {}

    def keep_norm1(module, inputs, output):
        output.retain_grad()
        acts['a'] = output

    hook = model.blocks[-1].norm1.register_forward_hook(keep_norm1)
    x = x.clone().requires_grad_(False)
    logits = model(x)
    logits.gather(1, labels[:, None]).sum().backward()
    hook.remove()
    p = model.prefix
    attns = [blk.attn.attn for blk in model.blocks]
    t = attns[0].shape[-1]
    eye = torch.eye(t).expand(x.shape[0], t, t)
    rollout = eye.clone()
    relevance = eye.clone()
    for a in attns:
        fused = (a.detach().mean(1) + eye) / 2
        rollout = (fused / fused.sum(-1, keepdim=True)) @ rollout
        cam = (a.grad * a.detach()).clamp(min=0).mean(1)
        relevance = relevance + cam @ relevance
    row = (lambda r: r[:, 0]) if p else (lambda r: r.mean(1))
    act = acts['a'].detach()[:, p:]
    grad = acts['a'].grad[:, p:]
    gradcam = F.relu((grad.mean(1, keepdim=True) * act).sum(-1))
    model.keep_attention(False)
    grid = lambda m: m.reshape(-1, model.grid, model.grid)
    return {
        'attention-rollout': grid(row(rollout)[:, p:]),
        'transformer-attribution': grid(row(relevance)[:, p:]),
        'grad-cam': grid(gradcam),
    }


def pointing_game(model, images, masks, labels):
    """Share of images whose map, bilinearly upsampled to the image, peaks inside the object."""
    hits = {}
    for j in range(0, len(labels), 200):
        maps = explain(model, shapes.to_tensor(images[j : j + 200]), torch.from_numpy(labels[j : j + 200]).long())
        for name, m in maps.items():
            up = F.interpolate(m[:, None], size=(SIZE, SIZE), mode='bilinear', align_corners=False)[:, 0]
            flat = up.flatten(1).argmax(1).numpy()
            inside = masks[j : j + 200].reshape(len(flat), -1)[np.arange(len(flat)), flat]
            hits[name] = hits.get(name, 0) + int(inside.sum())
    return {k: v / len(labels) for k, v in hits.items()}


def load_heldout(folder):
    names = sorted(f for f in os.listdir(folder) if f.endswith('.png') and not f.endswith('.mask.png'))
    images = np.stack([np.asarray(Image.open(os.path.join(folder, f)).convert('RGB')) for f in names])
    masks = np.stack([np.asarray(Image.open(os.path.join(folder, f[:-4] + '.mask.png'))) > 127 for f in names])
    labels = np.array([shapes.LABELS.index(f[3:-4].replace('-', ' ')) for f in names])
    return images, masks, labels


def export_onnx(model, path, opset=17, producer='fv tools/vit_model.py'):
    """ONNX with input ``pixel_values`` and output ``logits`` (dynamic batch), tensors renamed as
    ``default_model.rename_tensors`` does (``blocks.0/attn/Softmax``)."""
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, SIZE, SIZE),
        buf,
        input_names=['pixel_values'],
        output_names=['logits'],
        dynamic_axes={'pixel_values': {0: 'batch'}, 'logits': {0: 'batch'}},
        opset_version=opset,
        do_constant_folding=False,
    )
    model.eval()
    proto = shapes.rename_tensors(onnx.load_from_string(buf.getvalue()))
    proto.producer_name = producer
    onnx.checker.check_model(proto)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(proto, path)
    return proto


def write_folder(out, model, labels, preprocessor, model_type='vit', opset=17, extra=None):
    """A Hugging Face / transformers.js folder: onnx/model.onnx, config.json, preprocessor_config.json."""
    proto = export_onnx(model, os.path.join(out, 'onnx', 'model.onnx'), opset)
    blocks = len(model.blocks)
    dim = model.head.in_features
    config = {
        'architectures': ['ViTForImageClassification'],
        'model_type': model_type,
        'image_size': SIZE,
        'patch_size': SIZE // model.grid,
        'num_channels': 3,
        'hidden_size': dim,
        'num_hidden_layers': blocks,
        'num_attention_heads': model.blocks[0].attn.heads,
        'intermediate_size': model.blocks[0].mlp[0].out_features,
        'id2label': {str(i): name for i, name in enumerate(labels)},
        'label2id': {name: i for i, name in enumerate(labels)},
        **(extra or {}),
    }
    for name, data in (('config.json', config), ('preprocessor_config.json', preprocessor)):
        with open(os.path.join(out, name), 'w') as f:
            json.dump(data, f, indent=2)
            f.write('\n')
    return proto


PREPROCESSOR = {
    'image_processor_type': 'ViTImageProcessor',
    'do_resize': True,
    'size': {'shortest_edge': SIZE},
    'resample': 2,
    'do_center_crop': True,
    'crop_size': {'height': SIZE, 'width': SIZE},
    'do_rescale': True,
    'rescale_factor': 1 / 255,
    'do_normalize': True,
    'image_mean': [shapes.MEAN] * 3,
    'image_std': [shapes.STD] * 3,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('--out', default=os.path.join(here, '..', 'models', 'vit'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train', type=int, default=6000, help='training images')
    parser.add_argument('--epochs', type=int, default=8)
    parser.add_argument('--rrr', type=float, default=2.0, help='weight of the gradient penalty')
    parser.add_argument('--penalized', type=int, default=16, help='images per batch of 64 under the penalty')
    parser.add_argument('--lr', type=float, default=2e-3)
    args = parser.parse_args()
    start = time.time()

    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    train_x, train_m, train_y = shapes.dataset(rng, args.train)
    test_x, test_m, test_y = shapes.dataset(np.random.default_rng(args.seed + 1), 1000)
    print(f'data: {args.train} train, {len(test_y)} test images ({time.time() - start:.0f} s)')

    model = ViT(len(shapes.CLASSES))
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    batch = 64
    steps = args.epochs * (args.train // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    xs, ys = shapes.to_tensor(train_x), torch.from_numpy(train_y).long()
    outside = 1 - F.max_pool2d(torch.from_numpy(train_m).float()[:, None], 5, stride=1, padding=2)
    order_rng = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(ys), generator=order_rng)
        total = 0.0
        for i in range(args.train // batch):
            idx = perm[i * batch : (i + 1) * batch]
            xb, ob = xs[idx], outside[idx]
            if i % 2:
                xb, ob = xb.flip(3), ob.flip(3)
            logits = model(xb)
            loss = F.cross_entropy(logits, ys[idx], label_smoothing=0.05)
            # The penalty on a quarter of the batch (double backpropagation is the costly part).
            xp, yp = xb[: args.penalized].clone().requires_grad_(True), ys[idx][: args.penalized]
            (g,) = torch.autograd.grad(model(xp).gather(1, yp[:, None]).sum(), xp, create_graph=True)
            energy = (g**2).sum(1, keepdim=True)
            share = (energy * ob[: args.penalized]).flatten(1).sum(1) / (energy.flatten(1).sum(1) + 1e-12)
            loss = loss + args.rrr * share.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            pred = model(shapes.to_tensor(test_x)).argmax(1).numpy()
        acc = (pred == test_y).mean()
        print(f'epoch {epoch + 1}: loss {total / (args.train // batch):.4f}, held-out accuracy {acc:.4f} ({time.time() - start:.0f} s)')

    pg = pointing_game(model, test_x, test_m, test_y)
    print(f'{params} parameters; held-out accuracy {acc:.4f} on {len(test_y)} images; pointing game ' + ', '.join(f'{k} {v:.3f}' for k, v in pg.items()))
    hx, hm, hy = load_heldout(os.path.join(here, '..', 'models', 'default', 'heldout'))
    with torch.no_grad():
        hacc = (model(shapes.to_tensor(hx)).argmax(1).numpy() == hy).mean()
    hpg = pointing_game(model, hx, hm, hy)
    print(f'committed held-out set ({len(hy)} images): accuracy {hacc:.3f}; pointing game ' + ', '.join(f'{k} {v:.3f}' for k, v in hpg.items()))

    os.makedirs(args.out, exist_ok=True)
    proto = write_folder(args.out, model, shapes.LABELS, PREPROCESSOR)
    path = os.path.join(args.out, 'onnx', 'model.onnx')
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f'{path}: {os.path.getsize(path)} bytes, ops {", ".join(ops)}; done in {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
