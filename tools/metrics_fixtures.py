#!/usr/bin/python3
"""Generate the reference fixtures for @fv/core's explanation metrics and RISE.

Everything runs on ``small_cnn`` of ``tools/saliency_fixtures.py`` (the very weights of
``test/fixtures/saliency/small_cnn.onnx``, rebuilt from the same seed and checked against the ONNX
file) at the input stored in ``test/fixtures/saliency/manifest.json``; the model's score is
computed in float64 from those float32 weights.

Random draws are fv's own: ``Mulberry32`` below mirrors ``createRng`` of
``packages/core/src/random.ts`` bit for bit (uniforms) and its Box-Muller normals, so the
perturbations and RISE masks here are the ones fv draws from the same seed (the test checks the
first uniforms). Each reference then follows its authors' code with those draws fed in:

* ``deletion``: the RISE authors' ``CausalMetric`` (github.com/eclique/RISE, ``evaluation.py``)
  written directly in NumPy on a saliency map with ties: pixels in the order
  ``argsort(-map, kind='stable')``, ``step`` per step, ``n = ceil(HW / step)`` steps, deletion
  from the image to the baseline and insertion from the baseline to the image. Stored: the SHA-256
  of every step image (float32, little endian), the class probability after each step (float64
  forward on those images) and ``auc = (sum - s0 / 2 - sn / 2) / n``. Baselines: ``black`` (0, the
  test's config is pixel / 255), ``mean`` (per channel), a given tensor; and the ``blur`` baseline
  against ``scipy.ndimage.gaussian_filter(mode='nearest', truncate=3)``.
* ``infidelity``: Captum's ``infidelity`` (captum/metrics/_core/infidelity.py) with a
  ``perturb_func`` returning (I, x - I) for Gaussian I drawn as fv draws them, for three
  attributions (vanilla gradient, gradient x input, a one-channel map repeated over channels), with
  and without ``normalize``.
* ``sensitivity``: Captum's ``sensitivity_max`` (captum/metrics/_core/sensitivity.py) with fv's
  uniform L-inf draws of radius 0.02 fed in as ``perturb_func``, for the signed gradient
  (``Saliency(abs=False)``) and gradient x input (``InputXGradient``), Frobenius and max norms.
  The seed is chosen so that no ReLU or max-pool is within 2e-5 of a kink at any perturbed input.
* ``rise``: the RISE authors' ``RISE.generate_masks`` and ``forward`` (``explanations.py``), grid and
  shifts from fv's draws, masks by ``skimage.transform.resize(order=1, mode='reflect',
  anti_aliasing=False)``, scores = softmax probabilities; and masks of a non-square geometry.
* ``similarity``: ``scipy.stats.spearmanr`` and ``skimage.metrics.structural_similarity``
  (``data_range=1``, uniform windows) on map pairs with and without ties.
* ``resetBounds``: the bound PyTorch's ``reset_parameters`` draws weights from
  (``kaiming_uniform_(a=sqrt(5))``: 1 / sqrt(fan_in)) for Conv2d, grouped Conv2d, ConvTranspose2d
  and Linear, checked against the weights a ``reset_parameters()`` call draws.

Regenerate (Debian python3-torch 1.13, python3-scipy, python3-skimage; the tests never run it)::

    /usr/bin/python3 tools/metrics_fixtures.py [--out test/fixtures/metrics]

Deterministic: a rerun gives identical files.
"""

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import scipy.ndimage
import scipy.stats
import skimage.metrics
import skimage.transform
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saliency_fixtures as sf  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

M32 = 0xFFFFFFFF


class Mulberry32:
    """fv's createRng: mulberry32 uniforms in [0, 1) and Box-Muller normals (one spare kept)."""

    def __init__(self, seed):
        self.state = (int(seed) ^ 0x9E3779B9) & M32
        self.spare = None

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    def normal(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        u = 0.0
        while u == 0.0:
            u = self.next()
        v = self.next()
        radius = math.sqrt(-2 * math.log(u))
        self.spare = radius * math.sin(2 * math.pi * v)
        return radius * math.cos(2 * math.pi * v)


def f32list(a):
    return [float('%.9g' % v) for v in np.asarray(a, dtype=np.float32).reshape(-1).tolist()]


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype='<f4').tobytes()).hexdigest()


# ------------------------------------------------------------------------------------ the model


def load_model(saliency_dir):
    spec = sf.SPECS[0]
    assert spec['name'] == 'small_cnn'
    model = sf.make_model(spec)
    onnx_model = onnx.load(os.path.join(saliency_dir, 'small_cnn.onnx'))
    inits = {t.name: numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    for name, p in model.state_dict().items():
        assert any(v.shape == p.shape and np.array_equal(v, p.numpy()) for v in inits.values()), name
    with open(os.path.join(saliency_dir, 'manifest.json')) as f:
        fx = next(m for m in json.load(f)['models'] if m['name'] == 'small_cnn')
    x = np.array(fx['input'], dtype=np.float32).reshape(fx['dims'])
    return model.double(), fx, x


def logits64(model64, batch):
    with torch.no_grad():
        return model64(torch.from_numpy(np.asarray(batch, dtype=np.float32)).double())


def probability(model64, batch, target):
    return logits64(model64, batch).softmax(dim=1)[:, target].numpy()


def logit(model64, batch, target):
    return logits64(model64, batch)[:, target].numpy()


def gradient(model64, x, target):
    g, _ = sf.grad(model64, torch.from_numpy(np.asarray(x, dtype=np.float32)).double(), target)
    return g.numpy()


# ------------------------------------------------------------------------ deletion / insertion


def rise_auc(arr):
    """The RISE authors' evaluation.auc."""
    return (arr.sum() - arr[0] / 2 - arr[-1] / 2) / (arr.shape[0] - 1)


def causal_metric(model64, x, saliency_map, target, mode, step, substrate):
    """CausalMetric.single_run of the RISE authors, on one image, without plotting."""
    _, c, h, w = x.shape
    hw = h * w
    n_steps = (hw + step - 1) // step
    if mode == 'del':
        start, finish = x.copy(), substrate
    else:
        start, finish = substrate.copy(), x
    start = start.copy()
    order = np.argsort(-saliency_map.reshape(hw), kind='stable')
    images = []
    for i in range(n_steps + 1):
        images.append(start.copy())
        if i < n_steps:
            coords = order[step * i : step * (i + 1)]
            start.reshape(c, hw)[:, coords] = finish.reshape(c, hw)[:, coords]
    scores = probability(model64, np.concatenate(images), target)
    return images, scores


def deletion_cases(model64, fx, x):
    target = fx['target']
    _, c, h, w = x.shape
    vanilla = np.array(fx['vanilla'], dtype=np.float32).reshape(x.shape)
    # |gradient| max over channels, quantized to 6 levels: many ties, so the order is tested.
    m = np.abs(vanilla[0]).max(axis=0)
    m = np.floor(m / m.max() * 5.999).astype(np.float32)
    gen = np.random.default_rng(20)
    given = gen.uniform(0, 1, size=x.shape).astype(np.float32)
    baselines = {
        'black': np.zeros_like(x),
        'mean': np.broadcast_to(x.astype(np.float64).mean(axis=(2, 3), keepdims=True), x.shape).astype(np.float32),
        'given': given,
    }
    cases = []
    for metric, base, step in (
        ('deletion', 'black', 16),
        ('deletion', 'mean', 24),
        ('insertion', 'given', 16),
        ('insertion', 'black', 40),
    ):
        images, scores = causal_metric(
            model64, x, m, target, 'del' if metric == 'deletion' else 'ins', step, baselines[base]
        )
        cases.append(
            {
                'metric': metric,
                'baseline': base,
                'pixelsPerStep': step,
                'hashes': [sha256(img) for img in images],
                'scores': scores.tolist(),
                'auc': float(rise_auc(scores)),
            }
        )
    sigma = 1.0
    blurred = np.stack(
        [scipy.ndimage.gaussian_filter(x[0, k].astype(np.float64), sigma, mode='nearest', truncate=3.0) for k in range(c)]
    )[None]
    return {
        'map': f32list(m),
        'givenBaseline': f32list(given),
        'cases': cases,
        'blur': {'sigma': sigma, 'blurred': f32list(blurred)},
    }


# ------------------------------------------------------------------------------------ infidelity


def captum_infidelity(forward_func, perturb_func, inputs, attributions, target, n_perturb_samples, normalize):
    """captum.metrics.infidelity for one input tensor, batch 1, all samples in one batch."""
    inputs_expanded = torch.repeat_interleave(inputs, n_perturb_samples, dim=0)
    perturbations, inputs_perturbed = perturb_func(inputs_expanded)
    inputs_perturbed_fwd = forward_func(inputs_perturbed)[:, target]
    inputs_fwd = forward_func(inputs)[:, target]
    inputs_fwd = torch.repeat_interleave(inputs_fwd, n_perturb_samples, dim=0)
    perturbed_fwd_diffs = inputs_fwd - inputs_perturbed_fwd
    attributions_expanded = torch.repeat_interleave(attributions, n_perturb_samples, dim=0)
    attr_times_perturb_sums = (attributions_expanded * perturbations).view(n_perturb_samples, -1).sum(dim=1)
    a = attr_times_perturb_sums.view(1, -1)
    b = perturbed_fwd_diffs.view(1, -1)
    if normalize:
        aa, ab, bb = a.pow(2).sum(-1), (a * b).sum(-1), b.pow(2).sum(-1)
        beta = ab / aa if aa.item() != 0 else torch.zeros_like(ab)
        value = beta**2 * aa - 2 * beta * ab + bb
    else:
        value = (a - b).pow(2).sum(-1)
    return (value / n_perturb_samples).item()


def perturbations(seed, samples, shape, draw):
    """`samples` perturbations shaped like one input, element by element `draw(rng)` in float32,
    in fv's order (sample-major, then the input's elements)."""
    rng = Mulberry32(seed)
    size = int(np.prod(shape))
    out = np.empty((samples, size), dtype=np.float32)
    for k in range(samples):
        for j in range(size):
            out[k, j] = np.float32(draw(rng))
    return out.reshape((samples,) + tuple(shape[1:]))


def gaussian_perturbations(seed, std, samples, shape):
    """fv's infidelity draws: std * N(0, 1)."""
    return perturbations(seed, samples, shape, lambda rng: std * rng.normal())


def infidelity_cases(model64, fx, x):
    target = fx['target']
    seed, std, samples = 5, 0.5, 10
    noise = gaussian_perturbations(seed, std, samples, x.shape)

    def perturb_func(inputs):
        perturbation = torch.from_numpy(noise)
        # fv perturbs in float32, as Captum does on a float32 model input.
        perturbed = (inputs.float() - perturbation).double()
        return perturbation.double(), perturbed

    def forward(batch):
        with torch.no_grad():
            return model64(batch.double())

    vanilla = np.array(fx['vanilla'], dtype=np.float32).reshape(x.shape)
    one_channel = np.abs(vanilla[0]).max(axis=0)
    attributions = {
        'vanilla': vanilla,
        'gradientXInput': (vanilla.astype(np.float64) * x).astype(np.float32),
        'oneChannel': np.broadcast_to(one_channel, x.shape).astype(np.float32),
    }
    cases = []
    for name, attribution in attributions.items():
        for normalize in (False, True):
            value = captum_infidelity(
                forward,
                perturb_func,
                torch.from_numpy(x).double(),
                torch.from_numpy(attribution).double(),
                target,
                samples,
                normalize,
            )
            cases.append({'attribution': name, 'normalize': normalize, 'value': value})
    return {
        'seed': seed,
        'std': std,
        'samples': samples,
        'firstPerturbation': f32list(noise[0].reshape(-1)[:8]),
        'oneChannel': f32list(one_channel),
        'cases': cases,
    }


# ---------------------------------------------------------------------------------- sensitivity


def uniform_perturbations(seed, radius, samples, shape):
    """fv's sensitivity draws: U(-radius, radius)."""
    return perturbations(seed, samples, shape, lambda rng: (2 * rng.next() - 1) * radius)


def captum_sensitivity_max(explanation_func, inputs, perturb_func, n_perturb_samples, norm_ord):
    """captum.metrics.sensitivity_max for one input, batch 1, all samples in one batch."""
    expl_inputs = explanation_func(inputs)
    inputs_expanded = torch.repeat_interleave(inputs, n_perturb_samples, dim=0)
    inputs_perturbed = perturb_func(inputs_expanded)
    expl_perturbed = explanation_func(inputs_perturbed)
    expl_inputs_expanded = expl_inputs.repeat_interleave(n_perturb_samples, dim=0)
    sensitivities = (expl_inputs_expanded - expl_perturbed).view(n_perturb_samples, -1)
    expl_norm = torch.norm(expl_inputs.view(1, -1), p=norm_ord, dim=1, keepdim=True)
    expl_norm = torch.where(expl_norm == 0.0, torch.ones_like(expl_norm), expl_norm)
    values = torch.norm(sensitivities, p=norm_ord, dim=1, keepdim=True) / expl_norm
    return values.view(-1)


def sensitivity_cases(model64, fx, x):
    target = fx['target']
    radius, samples = 0.02, 10
    seed = 7
    while True:
        deltas = uniform_perturbations(seed, radius, samples, x.shape)
        perturbed = x + deltas  # float32, as fv adds them
        if all(sf.margin_ok(model64, torch.from_numpy(p[None]).double(), True) for p in perturbed):
            break
        seed += 1

    def grad_batch(batch):
        return torch.from_numpy(np.concatenate([gradient(model64, b[None], target) for b in batch.numpy()]))

    def perturb_func(inputs):
        return (inputs.float() + torch.from_numpy(deltas)).double()

    explanations = {
        'vanilla': grad_batch,
        'gradient-x-input': lambda batch: grad_batch(batch) * batch.float().double(),
    }
    cases = []
    for method, func in explanations.items():
        for norm in ('fro', 'inf'):
            values = captum_sensitivity_max(
                func, torch.from_numpy(x).double(), perturb_func, samples, 'fro' if norm == 'fro' else float('inf')
            )
            cases.append(
                {
                    'method': method,
                    'norm': norm,
                    'sensitivities': values.tolist(),
                    'value': values.max().item(),
                }
            )
    return {'seed': seed, 'radius': radius, 'samples': samples, 'cases': cases}


# ------------------------------------------------------------------------------------------ RISE


def rise_masks(seed, n, s, p1, input_size):
    """RISE.generate_masks of the authors, with fv's draws instead of np.random."""
    rng = Mulberry32(seed)
    cell_size = np.ceil(np.array(input_size) / s)
    up_size = (s + 1) * cell_size
    masks = np.empty((n, *input_size))
    for i in range(n):
        grid = np.array([[rng.next() < p1 for _ in range(s)] for _ in range(s)]).astype('float32')
        x = int(math.floor(rng.next() * cell_size[0]))
        y = int(math.floor(rng.next() * cell_size[1]))
        masks[i, :, :] = skimage.transform.resize(
            grid, up_size, order=1, mode='reflect', anti_aliasing=False
        )[x : x + input_size[0], y : y + input_size[1]]
    return masks.reshape(-1, 1, *input_size)


def rise_case(model64, fx, x):
    target = fx['target']
    seed, n, s, p1 = 11, 64, 4, 0.5
    _, _, h, w = x.shape
    masks = torch.from_numpy(rise_masks(seed, n, s, p1, (h, w))).float()
    # RISE.forward: stack = masks * x, p = softmax(model(stack)), sal = p^T masks / N / p1.
    stack = torch.mul(masks, torch.from_numpy(x))
    p = logits64(model64, stack.numpy()).softmax(dim=1)
    sal = torch.matmul(p.transpose(0, 1), masks.double().view(n, h * w)).view(-1, h, w) / n / p1
    other = rise_masks(4, 3, 5, 0.3, (13, 20))
    return {
        'seed': seed,
        'masks': n,
        'cells': s,
        'keep': p1,
        'firstMasks': f32list(masks[:2]),
        'saliency': f32list(sal[target]),
        'nonSquare': {'seed': 4, 'cells': 5, 'keep': 0.3, 'height': 13, 'width': 20, 'masks': f32list(other)},
    }


# ------------------------------------------------------------------------------------ similarity


def similarity_cases(fx):
    gen = np.random.default_rng(30)
    vanilla = np.array(fx['vanilla']).reshape(fx['dims'])[0]
    guided = np.array(fx['guidedBackprop']).reshape(fx['dims'])[0]
    a_map = np.abs(vanilla).max(axis=0)
    b_map = np.abs(guided).max(axis=0)
    r1, r2 = gen.random((16, 16)), gen.random((16, 16))
    pairs = [
        ('random 16x16', r1, r2, 7),
        ('correlated 16x16', r1, 0.6 * r1 + 0.4 * r2, 7),
        ('ties (quantized)', np.floor(r1 * 4) / 3, np.floor((0.5 * r1 + 0.5 * r2) * 4) / 3, 7),
        ('monotone transform', r1, r1**3, 7),
        ('non-square 9x11, window 5', gen.random((9, 11)), gen.random((9, 11)), 5),
        ('gradient vs guided backprop (scaled to max)', a_map / a_map.max(), b_map / b_map.max(), 7),
    ]
    cases = []
    for name, a, b, win in pairs:
        a = a.astype(np.float32)
        b = b.astype(np.float32)
        cases.append(
            {
                'name': name,
                'height': a.shape[0],
                'width': a.shape[1],
                'windowSize': win,
                'a': f32list(a),
                'b': f32list(b),
                'spearman': float(scipy.stats.spearmanr(a.reshape(-1), b.reshape(-1)).correlation),
                'ssim': float(
                    skimage.metrics.structural_similarity(
                        a.astype(np.float64), b.astype(np.float64), win_size=win, data_range=1.0
                    )
                ),
            }
        )
    return cases


# ---------------------------------------------------------------------------------- reset bounds


def reset_bounds():
    torch.manual_seed(0)
    layers = [
        ('Conv', {}, torch.nn.Conv2d(3, 16, 5)),
        ('Conv', {'group': 4}, torch.nn.Conv2d(32, 32, 3, groups=4)),
        ('ConvTranspose', {'group': 2}, torch.nn.ConvTranspose2d(8, 6, 3, groups=2)),
        ('Gemm', {'transB': 1}, torch.nn.Linear(64, 10)),
    ]
    out = []
    for op, attrs, layer in layers:
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(layer.weight)
        bound = 1 / math.sqrt(fan_in)
        layer.reset_parameters()
        drawn = max(layer.weight.abs().max().item(), layer.bias.abs().max().item())
        assert bound * 0.9 < drawn <= bound, (op, bound, drawn)
        out.append({'op': op, 'attrs': attrs, 'weightDims': list(layer.weight.shape), 'fanIn': fan_in, 'bound': bound})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='test/fixtures/metrics')
    parser.add_argument('--saliency', default='test/fixtures/saliency')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model64, fx, x = load_model(args.saliency)
    rng = Mulberry32(3)
    manifest = {
        'description': 'References for @fv/core metrics and RISE; generated by tools/metrics_fixtures.py, do not edit',
        'generator': 'tools/metrics_fixtures.py',
        'versions': {
            'torch': torch.__version__,
            'numpy': np.__version__,
            'scipy': scipy.__version__,
            'skimage': skimage.__version__,
        },
        'model': 'small_cnn of test/fixtures/saliency (its ONNX file, input and target)',
        'rng': {'seed': 3, 'next': [rng.next() for _ in range(6)], 'normal': [rng.normal() for _ in range(4)]},
        'deletion': deletion_cases(model64, fx, x),
        'infidelity': infidelity_cases(model64, fx, x),
        'sensitivity': sensitivity_cases(model64, fx, x),
        'rise': rise_case(model64, fx, x),
        'similarity': similarity_cases(fx),
        'resetBounds': reset_bounds(),
    }
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
