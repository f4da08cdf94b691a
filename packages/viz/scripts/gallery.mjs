// Generates the gallery of docs/viz.md: PNGs under docs/images/viz/ and the markdown between the
// `gallery:start` / `gallery:end` markers of docs/viz.md. Everything is drawn by @fv/viz itself
// from one synthetic saliency map, so the pictures change when the code does.
//
//   FV_BUILD_ONLY=core,viz pnpm build && node packages/viz/scripts/gallery.mjs
//
// `--check` regenerates into memory and fails when docs/viz.md's gallery or an image is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  alphaScaling,
  attributionGrid,
  blendedHeatMap,
  blendImages,
  colorbar,
  colorize,
  colormapNames,
  composeGrid,
  createImage,
  createMap2D,
  encodeApng,
  encodePng,
  maskedImage,
  normalizeMap,
  overlay,
  resizeImage,
  resizeMap,
} from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const imageDir = join(root, 'docs/images/viz');
const docPath = join(root, 'docs/viz.md');
const check = process.argv.includes('--check');
const SIZE = 96;

// A deterministic "photo": sky gradient, ground, a sun and a red box.
function syntheticImage(size) {
  const image = createImage(size, size, '#000000');
  const d = image.data;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      let r;
      let g;
      let b;
      if (y < size * 0.62) {
        const t = y / (size * 0.62);
        [r, g, b] = [90 + 80 * t, 150 + 60 * t, 230 - 20 * t];
      } else {
        const t = (y - size * 0.62) / (size * 0.38);
        [r, g, b] = [70 - 20 * t + ((x * 7 + y * 3) % 11), 140 - 40 * t, 60 - 20 * t];
      }
      if ((x - 0.72 * size) ** 2 + (y - 0.22 * size) ** 2 < (0.11 * size) ** 2)
        [r, g, b] = [250, 220, 80];
      if (x > 0.18 * size && x < 0.48 * size && y > 0.42 * size && y < 0.78 * size) {
        const edge = x < 0.2 * size || x > 0.46 * size || y < 0.44 * size || y > 0.76 * size;
        [r, g, b] = edge ? [120, 20, 20] : [200, 40, 40];
      }
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = 255;
    }
  }
  return image;
}

// A deterministic signed saliency map: positive on the box, negative on the sun, a few strong
// outlier pixels (what outlier clipping is for) and low-level noise.
function syntheticMap(size) {
  const data = new Float32Array(size * size);
  let seed = 7;
  const noise = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const box = Math.exp(-((u - 0.33) ** 2 / 0.012 + (v - 0.6) ** 2 / 0.02));
      const sun = Math.exp(-((u - 0.72) ** 2 + (v - 0.22) ** 2) / 0.006);
      // Texture rather than white noise (which no PNG compresses): a few low-frequency waves plus
      // a little quantized noise.
      const texture = 0.06 * Math.sin(u * 23 + 3 * v) * Math.cos(v * 17 - 2 * u);
      data[y * size + x] = box - 0.7 * sun + texture + 0.02 * Math.round(noise() * 2);
    }
  }
  for (const [x, y, value] of [
    [10, 80, 6],
    [85, 60, -5],
    [50, 10, 4],
  ]) {
    data[y * size + x] = value;
  }
  return createMap2D(data, size, size);
}

const image = syntheticImage(SIZE);
const map = syntheticMap(SIZE);
const files = new Map();
const png = (name, picture) => {
  files.set(name, encodePng(picture));
  return `images/viz/${name}`;
};
const md = [];
const section = (title, text) => {
  md.push(`### ${title}`, '', ...(text ? [text, ''] : []));
};
const picture = (alt, name, content) => {
  md.push(`![${alt}](${png(name, content)})`, '');
};

section(
  'The inputs',
  'A synthetic 96×96 image and a signed saliency map with three outlier pixels.',
);
picture(
  'image and map',
  'inputs.png',
  composeGrid([
    { image, title: 'image' },
    { image: colorize(map, { sign: 'all', normalize: 'abs-max', colormap: 'RdBu' }), title: 'map' },
  ]),
);

section(
  'Colormaps',
  'Every built-in colormap, each applied to a 64×64 copy of the map (diverging maps with `sign: all`, the others to |map|), with the default normalization.',
);
const small64 = resizeMap(map, 64, 64, 'nearest');
const diverging = new Set(['bwr', 'RdBu', 'coolwarm', 'seismic']);
picture(
  'every colormap',
  'colormaps.png',
  composeGrid(
    colormapNames.map((name) => ({
      image: colorize(small64, { colormap: name, sign: diverging.has(name) ? 'all' : 'absolute' }),
      title: name,
    })),
    { columns: 4 },
  ),
);
picture(
  'colormap strips',
  'colormap-strips.png',
  composeGrid(
    colormapNames.map((name) => {
      const ramp = createMap2D(
        Float32Array.from({ length: 256 }, (_, i) => i / 255),
        256,
        1,
      );
      const strip = colorize(ramp, { colormap: name, range: [0, 1] });
      return { image: resizeImage(strip, 256, 10), title: name };
    }),
    { columns: 2, gap: 6 },
  ),
);

section(
  'Normalization modes',
  'One row per mode, one panel per sign. Default: Captum’s outlier clip (`outlierPerc` 2), sign `absolute`.',
);
const modes = [
  ['outlier (Captum, default)', 'normalize-outlier.png', { normalize: 'outlier' }],
  [
    'outlier, outlierPerc 10',
    'normalize-outlier-10.png',
    { normalize: { mode: 'outlier', outlierPerc: 10 } },
  ],
  ['percentile 99 (PAIR)', 'normalize-percentile.png', { normalize: 'percentile' }],
  ['min-max', 'normalize-min-max.png', { normalize: 'min-max' }],
  ['abs-max', 'normalize-abs-max.png', { normalize: 'abs-max' }],
  ['outlier with gamma 0.5', 'normalize-gamma.png', { gamma: 0.5 }],
];
for (const [title, name, options] of modes) {
  md.push(`**${title}**`, '');
  picture(
    title,
    name,
    attributionGrid(image, map, {
      ...options,
      signs: ['absolute', 'positive', 'negative', 'all'],
      showImage: false,
    }),
  );
}

section(
  'Composition',
  'Overlay, Captum’s blended heat map, masked image and alpha scaling (over a checkerboard).',
);
const checker = createImage(SIZE, SIZE);
for (let i = 0; i < SIZE * SIZE; i++) {
  const x = i % SIZE;
  const y = Math.floor(i / SIZE);
  const v = ((x >> 3) + (y >> 3)) % 2 ? 200 : 255;
  checker.data.set([v, v, v, 255], i * 4);
}
const scaled = alphaScaling(image, map, { sign: 'positive' });
picture(
  'composition methods',
  'composition.png',
  composeGrid([
    { image: overlay(image, map, { sign: 'positive', colormap: 'jet' }), title: 'overlay' },
    { image: blendedHeatMap(image, map, { sign: 'positive' }), title: 'blended' },
    { image: maskedImage(image, map, { sign: 'positive' }), title: 'masked' },
    { image: blendImages(checker, scaled), title: 'alpha' },
  ]),
);

section(
  'Attribution grid',
  '`attributionGrid(image, map)`: the image and the absolute, positive and negative maps.',
);
picture(
  'attribution grid',
  'attribution-grid.png',
  attributionGrid(image, map, { method: 'blended-heat-map' }),
);

section('Upsampling', 'A 12×12 map (Grad-CAM-like) drawn at 96×96: nearest and bilinear.');
const small = resizeMap(map, 12, 12, 'bilinear');
picture(
  'upsampling',
  'upsampling.png',
  composeGrid([
    {
      image: overlay(image, small, { interpolation: 'nearest', sign: 'positive', colormap: 'jet' }),
      title: 'nearest',
    },
    {
      image: overlay(image, small, {
        interpolation: 'bilinear',
        sign: 'positive',
        colormap: 'jet',
      }),
      title: 'bilinear',
    },
  ]),
);

section(
  'Colorbars',
  'Labelled with the range the normalization found (`normalizeMap(map).range`).',
);
const signed = normalizeMap(map, { sign: 'all' });
const unsigned = normalizeMap(map);
picture(
  'colorbars',
  'colorbars.png',
  composeGrid(
    [
      { image: colorbar({ colormap: 'bwr', range: signed.range, length: 128, label: 'all' }) },
      {
        image: colorbar({
          colormap: 'Blues',
          range: unsigned.range,
          length: 128,
          label: 'absolute',
        }),
      },
      {
        image: colorbar({
          colormap: 'viridis',
          orientation: 'horizontal',
          length: 160,
          ticks: [0, 0.25, 0.5, 0.75, 1],
        }),
      },
    ],
    { padding: 0, gap: 4 },
  ),
);

section(
  'APNG',
  'Gamma from 2 down to 0.25 on a 64×64 copy of the map, as an animated PNG (`encodeApng`).',
);
const frames = [2, 1.4, 1, 0.7, 0.5, 0.35, 0.25].map((gamma) =>
  colorize(map, { colormap: 'magma', gamma }),
);
files.set('gamma.apng.png', encodeApng(frames, { delay: 400 }));
md.push('![gamma sweep](images/viz/gamma.apng.png)', '');

const START = '<!-- gallery:start -->';
const END = '<!-- gallery:end -->';
const generated = [
  START,
  '<!-- Generated by packages/viz/scripts/gallery.mjs; do not edit by hand. -->',
  '',
  ...md,
  END,
].join('\n');
const doc = readFileSync(docPath, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < 0) throw new Error(`${docPath} lacks the ${START} / ${END} markers`);
const updated = doc.slice(0, from) + generated + doc.slice(to + END.length);
let total = 0;
for (const bytes of files.values()) total += bytes.length;
if (check) {
  const staleImages = [...files].filter(([name, bytes]) => {
    try {
      return !Buffer.from(bytes).equals(readFileSync(join(imageDir, name)));
    } catch {
      return true;
    }
  });
  const stale = updated !== doc || staleImages.length > 0;
  console.log(
    stale
      ? `docs/viz.md gallery is stale${staleImages.length ? ` (${staleImages.map(([n]) => n).join(', ')})` : ''}`
      : 'docs/viz.md gallery is up to date',
  );
  process.exit(stale ? 1 : 0);
}
mkdirSync(imageDir, { recursive: true });
for (const [name, bytes] of files) writeFileSync(join(imageDir, name), bytes);
writeFileSync(docPath, updated);
console.log(`wrote ${files.size} images (${(total / 1024).toFixed(1)} KiB) and docs/viz.md`);
