#!/usr/bin/python3
"""The random transforms of Lucent (the PyTorch port of Lucid) in PyTorch, as a reference for
@fv/core's ``'chain'`` transform sampling, and the fixture generator for its test.

Lucent's ``lucent/optvis/transform.py`` (``standard_transforms``) needs kornia, which Debian does not
package. This module provides the three kornia functions Lucent calls (``translate``,
``get_rotation_matrix2d``, ``warp_affine``) with the behaviour of kornia <= 0.4.1, the version
Lucent's ``setup.py`` pins (``kornia<=0.4.1``): ``warp_affine`` normalizes pixel coordinates with
``2/(size - 1)`` (``normalize_homography``) and then builds the grid with
``F.affine_grid(..., align_corners=False)`` and samples it with
``F.grid_sample(..., align_corners=False, padding_mode='zeros')``. ``install_kornia_shim()`` makes
``import kornia`` resolve to it, so that Lucent's own modules can be imported
(``tools/lucent_reference.py`` does).

``lucent_chain`` applies Lucent's ``standard_transforms`` to an image with given draws instead of
``np.random.choice`` (pad 12 with 0.5 via ``F.pad``; jitter via kornia ``translate`` by
``(dx, dy)``; ``random_scale``: ``Upsample(align_corners=True)`` to ``ceil(scale * size)``, then
``F.pad(x, [pad_y, pad_x] * 2)``; ``random_rotate``: kornia rotation about
``((w - 1)/2, (h - 1)/2)``; jitter; then ``render_vis``'s ``Upsample(size, align_corners=True)``).
It is written from those definitions, step by step, so that the fixture checks fv's sampling
against PyTorch's own ``interpolate``, ``pad`` and ``grid_sample``.

Fixture (``--out``, default ``test/fixtures/dream/transforms``)::

    manifest.json   image dims, settings and per case the draws, the output dims and offsets
    data.bin        float32 little-endian: the image, then each case's output

Regenerate (Debian ``python3-torch`` 1.13; use /usr/bin/python3)::

    /usr/bin/python3 tools/lucent_transforms.py [--out test/fixtures/dream/transforms]

Deterministic (fixed seed). The test command never runs it.
"""
import argparse
import json
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F


def _normal_transform_pixel(height, width):
    """kornia's pixel → [-1, 1] map: x_n = 2x/(W - 1) - 1 (3x3, x first)."""
    return torch.tensor(
        [[2.0 / (width - 1), 0.0, -1.0], [0.0, 2.0 / (height - 1), -1.0], [0.0, 0.0, 1.0]],
        dtype=torch.float64,
    )


def warp_affine(src, M, dsize, flags="bilinear", padding_mode="zeros", align_corners=False):
    """kornia 0.4.1 ``warp_affine``: dst = src(M^-1 p) for a pixel-space 2x3 matrix M (x first)."""
    B, C, H, W = src.shape
    h_out, w_out = dsize
    M3 = torch.eye(3, dtype=torch.float64).repeat(B, 1, 1)
    M3[:, :2, :] = M.to(torch.float64)
    dst_norm_trans_src_norm = (
        _normal_transform_pixel(h_out, w_out) @ M3 @ torch.inverse(_normal_transform_pixel(H, W))
    )
    src_norm_trans_dst_norm = torch.inverse(dst_norm_trans_src_norm)
    grid = F.affine_grid(
        src_norm_trans_dst_norm[:, :2, :].to(src.dtype),
        [B, C, h_out, w_out],
        align_corners=align_corners,
    )
    return F.grid_sample(
        src, grid, align_corners=align_corners, mode=flags, padding_mode=padding_mode
    )


def translate(tensor, translation, align_corners=False):
    """kornia 0.4.1 ``translate``: shift by (dx, dy) pixels, zeros brought in."""
    B = tensor.shape[0]
    M = torch.zeros(B, 2, 3, dtype=torch.float64)
    M[:, 0, 0] = 1
    M[:, 1, 1] = 1
    M[:, 0, 2] = translation[:, 0].to(torch.float64)
    M[:, 1, 2] = translation[:, 1].to(torch.float64)
    return warp_affine(tensor, M, tensor.shape[-2:], align_corners=align_corners)


def get_rotation_matrix2d(center, angle, scale):
    """kornia 0.4.1 ``get_rotation_matrix2d`` (angle in degrees, counter-clockwise)."""
    rad = angle.to(torch.float64) * math.pi / 180.0
    alpha = torch.cos(rad) * scale[:, 0].to(torch.float64)
    beta = torch.sin(rad) * scale[:, 0].to(torch.float64)
    x = center[:, 0].to(torch.float64)
    y = center[:, 1].to(torch.float64)
    M = torch.zeros(center.shape[0], 2, 3, dtype=torch.float64)
    M[:, 0, 0] = alpha
    M[:, 0, 1] = beta
    M[:, 0, 2] = (1 - alpha) * x - beta * y
    M[:, 1, 0] = -beta
    M[:, 1, 1] = alpha
    M[:, 1, 2] = beta * x + (1 - alpha) * y
    return M


def install_kornia_shim():
    """Makes ``import kornia`` (and ``kornia.geometry.transform``) resolve to this module."""
    kornia = types.ModuleType("kornia")
    kornia.__version__ = "0.4.1"
    kornia.warp_affine = warp_affine
    kornia.get_rotation_matrix2d = get_rotation_matrix2d
    kornia.translate = translate
    geometry = types.ModuleType("kornia.geometry")
    transform = types.ModuleType("kornia.geometry.transform")
    transform.translate = translate
    transform.warp_affine = warp_affine
    geometry.transform = transform
    kornia.geometry = geometry
    sys.modules["kornia"] = kornia
    sys.modules["kornia.geometry"] = geometry
    sys.modules["kornia.geometry.transform"] = transform


def lucent_chain(image, draws, settings, output=None):
    """Lucent's ``standard_transforms`` (and render_vis's final resize) with fixed draws.

    ``image``: [1, C, H, W] float64; ``draws``: dx1, dy1, scale, angle, dx2, dy2;
    ``settings``: pad, pad_value; ``output``: (h, w) or None.
    """
    x = F.pad(image, [settings["pad"]] * 4, mode="constant", value=settings["pad_value"])
    x = translate(x, torch.tensor([[draws["dx1"], draws["dy1"]]], dtype=torch.float64))
    shp = x.shape[2:]
    scale_shape = [int(np.ceil(draws["scale"] * d)) for d in shp]
    pad_x = max(0, int(np.ceil((shp[1] - scale_shape[1]) / 2)))
    pad_y = max(0, int(np.ceil((shp[0] - scale_shape[0]) / 2)))
    x = F.interpolate(x, size=scale_shape, mode="bilinear", align_corners=True)
    x = F.pad(x, [pad_y, pad_x] * 2)
    b, _, h, w = x.shape
    center = torch.ones(b, 2, dtype=torch.float64)
    center[..., 0] = (w - 1) / 2
    center[..., 1] = (h - 1) / 2
    M = get_rotation_matrix2d(
        center, torch.ones(b, dtype=torch.float64) * draws["angle"], torch.ones(b, 2)
    )
    x = warp_affine(x, M, dsize=(h, w))
    x = translate(x, torch.tensor([[draws["dx2"], draws["dy2"]]], dtype=torch.float64))
    if output is not None:
        x = F.interpolate(x, size=tuple(output), mode="bilinear", align_corners=True)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="test/fixtures/dream/transforms")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(21)
    dims = [3, 9, 11]
    image = rng.random(dims).astype(np.float32)
    settings = {"pad": 3, "pad_value": 0.5, "jitter": 3, "jitter2": 2}
    cases = [
        {"dx1": 0, "dy1": 0, "scale": 1.0, "angle": 0, "dx2": 0, "dy2": 0, "output": None},
        {"dx1": 2, "dy1": 1, "scale": 0.8, "angle": 10, "dx2": 1, "dy2": 0, "output": None},
        {"dx1": 1, "dy1": 2, "scale": 1.25, "angle": -7, "dx2": 0, "dy2": 1, "output": None},
        {"dx1": 0, "dy1": 1, "scale": 0.9, "angle": 3, "dx2": 1, "dy2": 1, "output": [20, 24]},
        {"dx1": 2, "dy1": 2, "scale": 1.1, "angle": 0, "dx2": 0, "dy2": 0, "output": [13, 12]},
    ]
    blobs = [image.reshape(-1)]
    offset = image.size * 4
    manifest = {"image": {"dims": dims, "offset": 0}, "settings": settings, "cases": []}
    x = torch.from_numpy(image.astype(np.float64))[None]
    for case in cases:
        out = lucent_chain(x, case, settings, case["output"])[0].numpy().astype(np.float32)
        manifest["cases"].append({**case, "dims": list(out.shape), "offset": offset})
        blobs.append(out.reshape(-1))
        offset += out.size * 4
    with open(os.path.join(args.out, "data.bin"), "wb") as f:
        for b in blobs:
            f.write(b.astype("<f4").tobytes())
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
