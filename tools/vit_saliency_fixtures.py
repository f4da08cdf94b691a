#!/usr/bin/python3
"""PyTorch references for fv's transformer explanations (test/fixtures/vit-saliency/).

Three vision transformers in the timm layout of ``tools/vit_model.py``:

* ``vit``: the committed default ViT (``models/vit/onnx/model.onnx``, class token, opset 17 with
  ``LayerNormalization``), its weights read back from the ONNX initializers;
* ``deit``: a DeiT-style ViT (Touvron et al. 2021: class and distillation tokens, the mean of two
  heads at inference; 2 blocks, hidden 32, 2 heads), trained briefly on the synthetic shapes
  (both heads on the labels: no teacher), exported at opset 13 (LayerNorm decomposed into
  ReduceMean/Sub/Pow/Sqrt/Div) as a Hugging Face / transformers.js folder ``deit/``
  (``onnx/model.onnx``, ``config.json`` with ``id2label``, ``preprocessor_config.json`` with a
  shortest-edge resize to 72 and a 64×64 centre crop);
* ``vit-mean``: a ViT without extra tokens whose head reads the mean of the tokens (2 blocks,
  hidden 32, 2 heads, fixed-seed random weights), ``vit-mean.onnx``.

For each model and image (held-out 64×64 images of ``models/default/heldout``, normalized as
(pixel / 255 − 0.5) / 0.25), ``manifest.json`` holds the logits, the target (the top
class), the attention tensors (the ``Softmax`` outputs, block order), the Grad-CAM layer (the ONNX
output of ``blocks[-1].norm1``) and, computed in float64 from the float32 weights:

* ``rollout``: attention rollout as jacobgil/vit-explain's ``rollout()`` (Abnar & Zuidema 2020):
  heads fused by mean, max or min; the lowest ``discard_ratio`` of the fused T·T entries set to 0
  except flat index 0; a = (A + I) / 2, rows renormalized; result = a · result over the blocks;
  the explained row (the class token, the distillation token, or the mean of all rows) over the
  patch tokens. One difference from vit-explain: it divides ``a / a.sum(dim=-1)``, which
  broadcasts the row sums along the wrong axis (a[i, j] / Σ_k a[j, k]); here rows are
  normalized as the paper defines (``keepdim=True``). With ``discard_ratio`` 0 the rows already
  sum to 1 and both agree.
* ``attribution``: Chefer, Gur & Wolf's generic relevance (ICCV 2021; their
  Transformer-MM-Explainability ViT code, ``generate_relevance``): the attention probabilities and
  their gradients from a backward pass of the target logit, per block
  cam = mean over heads of (grad · attn).clamp(min=0), R += cam @ R from R = I; the explained row
  over the patch tokens.
* ``gradCam``: pytorch-grad-cam's ``GradCAM`` with its ViT ``reshape_transform`` (the extra
  tokens dropped, the patch tokens reshaped to the grid, channels first) at ``blocks[-1].norm1``:
  weights = the gradients' mean over the grid, cam = relu(Σ_k w_k A_k) (and ``raw``, before the
  ReLU), at grid resolution, and ``raw`` bilinearly upsampled to the input
  (``align_corners=False``, for the default ViT's first image) — before pytorch-grad-cam's
  min–max scaling, which fv leaves to drawing.

And ``swin``: Grad-CAM (pytorch-grad-cam's recipe for Swin: the channels-last [B, H, W, C] block
output permuted to channels first) on the export-matrix golden ``swin/opset13`` (torchvision's
``SwinTransformer``, counter-hash weights and input, built by ``tools/autodiff_matrix.py``), at
the output of stage 1 (``features.1``, 8×8) and of the final LayerNorm (``norm``, 4×4), both
channels-last grids, for class 3.

Maps are rows × cols (row-major). The tests compare with relative L2 ≤ 1e-4.

Regenerate (Debian python3-torch 1.13 and python3-onnx 1.12; the test command never runs it;
run tools/vit_model.py first)::

    nice /usr/bin/python3 tools/vit_saliency_fixtures.py [--out test/fixtures/vit-saliency]

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

import default_model as shapes
import vit_model as V

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')
HELDOUT = os.path.join(ROOT, 'models', 'default', 'heldout')
IMAGES = ['00-blue-triangle.png', '04-magenta-ring.png']

DEIT_PREPROCESSOR = {
    'image_processor_type': 'DeiTImageProcessor',
    'do_resize': True,
    'size': {'shortest_edge': 72},
    'resample': 2,
    'do_center_crop': True,
    'crop_size': {'height': 64, 'width': 64},
    'do_rescale': True,
    'rescale_factor': 1 / 255,
    'do_normalize': True,
    'image_mean': [shapes.MEAN] * 3,
    'image_std': [shapes.STD] * 3,
}


def weights_from_onnx(model, path):
    """Loads a V.ViT's parameters from the initializers of its export (they keep PyTorch's names)."""
    proto = onnx.load(path)
    state = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    model.load_state_dict({k: state[k] for k in model.state_dict()})
    return model


def train_deit(seed=0, images=3000, epochs=3):
    torch.manual_seed(seed)
    model = V.ViT(len(shapes.CLASSES), dim=32, depth=2, heads=2, mlp=64, pool='distilled')
    x, _, y = shapes.dataset(np.random.default_rng(seed + 10), images)
    xs, ys = shapes.to_tensor(x), torch.from_numpy(y).long()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(ys), generator=gen)
        for i in range(len(ys) // 64):
            idx = perm[i * 64 : (i + 1) * 64]
            logits = model(xs[idx])
            loss = F.cross_entropy(logits, ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    test_x, _, test_y = shapes.dataset(np.random.default_rng(seed + 1), 500)
    with torch.no_grad():
        acc = (model(shapes.to_tensor(test_x)).argmax(1).numpy() == test_y).mean()
    print(f'deit: held-out accuracy {acc:.3f} on 500 images')
    return model


def references(model, x, prefix):
    """float64 rollout (per fusion and discard ratio), attribution and Grad-CAM of the top class."""
    m = model.double().eval()
    m.keep_attention(True)
    acts = {}

    def keep_norm1(module, inputs, output):
        output.retain_grad()
        acts['a'] = output

    hook = m.blocks[-1].norm1.register_forward_hook(keep_norm1)
    xd = x.double()
    logits = m(xd)
    target = int(logits[0].argmax())
    m.zero_grad()
    logits[0, target].backward()
    hook.remove()
    attns = [blk.attn.attn.detach() for blk in m.blocks]
    grads = [blk.attn.attn.grad.detach() for blk in m.blocks]
    m.keep_attention(False)
    t = attns[0].shape[-1]
    rows = {'class': 0, 'distillation': 1, 'mean': None}
    tokens = [k for k in rows if k == 'mean' or rows[k] < prefix]

    def read(result, token):
        row = result.mean(0) if rows[token] is None else result[rows[token]]
        return row[prefix:]

    def rollout(discard_ratio, head_fusion):
        # jacobgil/vit-explain's rollout(), rows normalized with keepdim (see the docstring).
        result = torch.eye(t, dtype=torch.float64)
        for attention in attns:
            if head_fusion == 'mean':
                fused = attention.mean(axis=1)
            elif head_fusion == 'max':
                fused = attention.max(axis=1)[0]
            else:
                fused = attention.min(axis=1)[0]
            flat = fused.view(fused.size(0), -1)
            _, indices = flat.topk(int(flat.size(-1) * discard_ratio), -1, False)
            indices = indices[indices != 0]
            flat[0, indices] = 0
            eye = torch.eye(fused.size(-1), dtype=torch.float64)
            a = (fused + 1.0 * eye) / 2
            a = a / a.sum(dim=-1, keepdim=True)
            result = torch.matmul(a, result)
        return result[0]

    def relevance():
        # Chefer et al.'s generate_relevance (Transformer-MM-Explainability, ViT).
        r = torch.eye(t, dtype=torch.float64)
        for cam, grad in zip(attns, grads):
            cam = cam.reshape(-1, cam.shape[-2], cam.shape[-1])
            grad = grad.reshape(-1, grad.shape[-2], grad.shape[-1])
            cam = (grad * cam).clamp(min=0).mean(dim=0)
            r = r + torch.matmul(cam, r)
        return r

    rollouts = []
    for fusion, ratio in (('mean', 0.0), ('max', 0.0), ('min', 0.0), ('mean', 0.9), ('max', 0.5)):
        result = rollout(ratio, fusion)
        for token in tokens:
            rollouts.append({'headFusion': fusion, 'discardRatio': ratio, 'token': token, 'map': f32(read(result, token))})
    r = relevance()
    attribution = [{'token': token, 'map': f32(read(r, token))} for token in tokens]
    # pytorch-grad-cam: reshape_transform(tensor) = tensor[:, prefix:, :].reshape(1, g, g, C) → NCHW.
    g = m.grid
    act = acts['a'].detach()[:, prefix:, :].reshape(1, g, g, -1).permute(0, 3, 1, 2)
    grad = acts['a'].grad.detach()[:, prefix:, :].reshape(1, g, g, -1).permute(0, 3, 1, 2)
    weights = grad.mean(dim=(2, 3), keepdim=True)
    raw = (weights * act).sum(1)
    cam = F.relu(raw)
    up = F.interpolate(raw[:, None], size=tuple(x.shape[-2:]), mode='bilinear', align_corners=False)[0, 0]
    model.float()
    return {
        'logits': f32(logits[0]),
        'target': target,
        'rollout': rollouts,
        'attribution': attribution,
        'gradCam': {'cam': f32(cam[0]), 'raw': f32(raw[0]), 'upsampled': f32(up)},
    }


def f32(t):
    """Rounded to float32, written with 9 significant digits (exact for float32)."""
    return [float(f'{v:.9g}') for v in t.detach().reshape(-1).float().numpy().tolist()]


def onnx_names(path, blocks):
    """The attention Softmax outputs and the output of blocks[-1].norm1, as the ONNX names them."""
    proto = onnx.load(path)
    softmax = [n.output[0] for n in proto.graph.node if n.op_type == 'Softmax']
    norm1 = [n.output[0] for n in proto.graph.node if n.output[0].startswith(f'blocks.{blocks - 1}/norm1/')]
    assert len(softmax) == blocks, softmax
    return softmax, norm1[-1]


def swin_references():
    """Grad-CAM on the export-matrix Swin golden at two channels-last layers (see the docstring)."""
    import autodiff_matrix as am

    spec = next(s for s in am.SPECS if s['name'] == 'swin')
    manifest = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'autodiff-matrix', 'manifest.json')))
    variant = next(v for m in manifest['models'] if m['name'] == 'swin' for v in m['variants'] if v['name'] == 'opset13')
    model, _, _ = am.prepare(spec)
    dims = variant['input']['dims']
    g = variant['input']['generator']
    x = torch.from_numpy(am.counter_hash(g['name'], int(np.prod(dims)), g['offset'], g['scale'])).reshape(dims)
    plain = onnx.load_from_string(am.export(model, x, am.VARIANTS[0]))
    m = model.double().eval()
    target = 3
    layers = []
    for module in ('features.1', 'norm'):
        acts = {}

        def keep(_m, _i, output):
            output.retain_grad()
            acts['a'] = output

        hook = m.get_submodule(module).register_forward_hook(keep)
        m.zero_grad()
        m(x.double())[0, target].backward()
        hook.remove()
        act = acts['a'].detach().permute(0, 3, 1, 2)
        grad = acts['a'].grad.detach().permute(0, 3, 1, 2)
        raw = (grad.mean(dim=(2, 3), keepdim=True) * act).sum(1)
        name = am.layer_tensor_name(model.float(), x, am.VARIANTS[0], module, plain)
        m = model.double()
        layers.append({'module': module, 'layer': name, 'grid': list(raw.shape[1:]), 'raw': f32(raw[0]), 'cam': f32(F.relu(raw[0]))})
    model.float()
    return {'model': variant['model'], 'target': target, 'layers': layers}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'test', 'fixtures', 'vit-saliency'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    vit_path = os.path.join(ROOT, 'models', 'vit', 'onnx', 'model.onnx')
    vit = weights_from_onnx(V.ViT(len(shapes.CLASSES)), vit_path)

    deit = train_deit()
    deit_dir = os.path.join(args.out, 'deit')
    V.write_folder(deit_dir, deit, shapes.LABELS, DEIT_PREPROCESSOR, model_type='deit', opset=13,
                   extra={'architectures': ['DeiTForImageClassificationWithTeacher']})
    deit_path = os.path.join(deit_dir, 'onnx', 'model.onnx')

    torch.manual_seed(1)
    pooled = V.ViT(len(shapes.CLASSES), dim=32, depth=2, heads=2, mlp=64, pool='mean').eval()
    pooled_path = os.path.join(args.out, 'vit-mean.onnx')
    V.export_onnx(pooled, pooled_path, opset=17, producer='fv tools/vit_saliency_fixtures.py')

    hx, _, hy = V.load_heldout(HELDOUT)
    names = sorted(f for f in os.listdir(HELDOUT) if f.endswith('.png') and not f.endswith('.mask.png'))
    models = []
    for name, model, path in (
        ('vit', vit, vit_path),
        ('deit', deit, deit_path),
        ('vit-mean', pooled, pooled_path),
    ):
        attention, layer = onnx_names(path, len(model.blocks))
        cases = []
        for k, image in enumerate(IMAGES):
            x = shapes.to_tensor(hx[names.index(image)][None])
            refs = references(model, x, model.prefix)
            if k > 0 or name != 'vit':
                # The upsampling is fv's one bilinear resampler, checked once here.
                del refs['gradCam']['upsampled']
            cases.append({'image': image, **refs})
        models.append({
            'name': name,
            'model': os.path.relpath(path, args.out),
            'dims': [1, 3, shapes.SIZE, shapes.SIZE],
            'prefix': model.prefix,
            'grid': [model.grid, model.grid],
            'attention': attention,
            'gradCamLayer': layer,
            'cases': cases,
        })
        print(name, path, os.path.getsize(path), 'bytes; targets', [c['target'] for c in cases])
    swin = swin_references()
    print('swin', [(layer['layer'], layer['grid']) for layer in swin['layers']])
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump({'models': models, 'swin': swin}, f)
        f.write('\n')


if __name__ == '__main__':
    main()
