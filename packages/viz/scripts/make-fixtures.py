#!/usr/bin/env python3
"""Writes the image fixtures of @fv/viz's codec tests, encoded by an independent encoder (Pillow,
which uses libpng/zlib and libjpeg), plus Pillow's own decoding of each file as the expected RGBA
pixels (expected.json).

    apt-get install -y python3-pil   # comes with python3-matplotlib
    /usr/bin/python3 packages/viz/scripts/make-fixtures.py
"""

import json
import pathlib

from PIL import Image

OUT = pathlib.Path(__file__).resolve().parents[1] / "test/fixtures"
W, H = 8, 6


def pattern(x: int, y: int) -> tuple[int, int, int]:
    # Four flat quadrants (JPEG keeps flat 8x8 blocks nearly exact) with distinct colours.
    left, top = x < W // 2, y < H // 2
    if top and left:
        return (200, 30, 40)
    if top:
        return (20, 180, 60)
    if left:
        return (30, 60, 220)
    return (240, 240, 20)


def rgb_image() -> Image.Image:
    img = Image.new("RGB", (W, H))
    img.putdata([pattern(x, y) for y in range(H) for x in range(W)])
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {}
    rgb = rgb_image()
    rgb.save(OUT / "rgb8.png")
    files["rgb8.png"] = rgb
    rgba = rgb.convert("RGBA")
    rgba.putdata([(r, g, b, (x * 37 + y * 11) % 256) for (r, g, b), (x, y) in
                  zip(rgb.getdata(), [(x, y) for y in range(H) for x in range(W)])])
    rgba.save(OUT / "rgba8.png")
    files["rgba8.png"] = rgba
    gray16 = Image.new("I;16", (W, H))
    gray16.putdata([(x * 8000 + y * 1000) for y in range(H) for x in range(W)])
    gray16.save(OUT / "gray16.png")
    files["gray16.png"] = gray16
    palette = rgb.quantize(colors=4)
    palette.save(OUT / "palette.png")
    files["palette.png"] = palette
    big = rgb.resize((W * 2, H * 2), Image.NEAREST)
    big.save(OUT / "baseline.jpg", quality=95, subsampling=0)
    big.save(OUT / "progressive.jpg", quality=95, subsampling=0, progressive=True)
    expected = {}
    for name in ["rgb8.png", "rgba8.png", "gray16.png", "palette.png", "baseline.jpg", "progressive.jpg"]:
        with Image.open(OUT / name) as im:
            if im.mode in ("I", "I;16", "I;16B"):
                # libpng's 16 -> 8 bit reduction keeps the high byte.
                px = [v >> 8 for v in im.getdata()]
                data = [c for v in px for c in (v, v, v, 255)]
            else:
                data = [c for p in im.convert("RGBA").getdata() for c in p]
            expected[name] = {"width": im.width, "height": im.height, "rgba": data}
    (OUT / "expected.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main()
