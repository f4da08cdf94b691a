// The microscope site's pages as HTML strings: plain static files with relative links and no
// script, so the site opens from the file system or any static host. Pages are pure functions
// of the data they show; `commands/microscope.ts` decides what to compute and writes the files.
import type {
  ChannelValue,
  DatasetImageInfo,
  DatasetIndex,
  Histogram,
  LayerExamples,
  LayerInfo,
  PixelRegion,
  PositionExample,
  TensorInfo,
  UnitExamples,
} from '@fv/core';
import { isSignedLayer } from '@fv/core';

/** Where every page and picture of the site lives, relative to the site's root. */
export const sitePaths = {
  overview: 'index.html',
  style: 'style.css',
  index: 'data/index.json',
  partialIndex: 'data/index.partial.json',
  layer: (slug: string) => `layers/${slug}.html`,
  unit: (slug: string, channel: number) => `units/${slug}/${channel}.html`,
  unitAssets: (slug: string, channel: number) => `units/${slug}/${channel}`,
  visualization: (slug: string, channel: number) => `units/${slug}/${channel}/channel.png`,
  neuron: (slug: string, channel: number) => `units/${slug}/${channel}/neuron.png`,
  crops: (slug: string, channel: number, which: 'top' | 'bottom') =>
    `units/${slug}/${channel}/${which}-crops.png`,
  image: (slug: string) => `images/${slug}.html`,
  picture: (slug: string) => `images/${slug}.png`,
  dictionary: (slug: string, layerSlug: string) => `images/${slug}.${layerSlug}.png`,
} as const;

/**
 * A flat colour per unit (hues a golden angle apart), for units without a feature visualization
 * in semantic-dictionary pictures and legends.
 */
export function unitColor(channel: number): readonly [number, number, number] {
  const h = (channel * 137.508) % 360;
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (0.85 - 0.55 * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A file-name-safe slug per layer name, unique within the list (graph order decides ties). */
export function layerSlugs(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    const base =
      name
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[-.]+|-+$/g, '')
        .slice(0, 80) || 'layer';
    let slug = base;
    for (let i = 2; used.has(slug.toLowerCase()); i++) slug = `${base}-${i}`;
    used.add(slug.toLowerCase());
    out.set(name, slug);
  }
  return out;
}

/** The path from `from` (a page path) to `to` (another path), both relative to the site root. */
export function relative(from: string, to: string): string {
  const depth = from.split('/').length - 1;
  return `${'../'.repeat(depth)}${to}`;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3);

const dims = (d: readonly (number | string | null)[] | null) =>
  d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '?';

export const STYLESHEET = `:root { font-family: system-ui, sans-serif; color: #1d1d1f; background: #fafafa; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
nav { font-size: 0.9rem; margin-bottom: 1rem; }
nav a { color: #0b57d0; }
a { color: #0b57d0; text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; word-break: break-all; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--cell, 180px), 1fr)); gap: 0.8rem; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; }
.card img, .pixel img, .viz img { image-rendering: pixelated; }
.card .viz { width: 100%; aspect-ratio: 1; }
.strip { width: 100%; display: block; margin-top: 0.3rem; }
.label { font-size: 0.8rem; display: flex; justify-content: space-between; }
.row { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: flex-start; }
.framed { position: relative; display: inline-block; line-height: 0; }
.framed img { width: 160px; }
.framed .rf { position: absolute; border: 2px solid #ff2d55; box-shadow: 0 0 0 1px #fff; }
.framed.bottom .rf { border-color: #0a84ff; }
.caption { font-size: 0.75rem; line-height: 1.3; width: 160px; word-break: break-all; }
.swatch { display: block; width: 72px; height: 72px; }
.dict { display: block; width: 384px; max-width: 100%; image-rendering: pixelated; margin-bottom: 0.5rem; }
figure { margin: 0; }
.label { flex-wrap: wrap; gap: 0.3rem; }
svg text { font-size: 10px; fill: #444; }
`;

function page(path: string, title: string, crumbs: readonly [string, string][], body: string) {
  const nav = crumbs
    .map(([href, text]) => `<a href="${escapeHtml(relative(path, href))}">${escapeHtml(text)}</a>`)
    .join(' › ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${relative(path, sitePaths.style)}">
</head>
<body>
<nav>${nav}</nav>
${body}
</body>
</html>
`;
}

/** Inline SVG bar chart of a histogram (counts on a log scale: ReLU layers pile up at 0). */
export function histogramSvg(histogram: Histogram, width = 320, height = 110): string {
  const { counts, binWidth, first } = histogram;
  if (counts.length === 0) return '<p class="muted">no values</p>';
  const top = Math.log10(1 + Math.max(...counts));
  const plot = height - 18;
  const bar = width / counts.length;
  const bars = counts
    .map((c, i) => {
      const h = top > 0 ? (Math.log10(1 + c) / top) * plot : 0;
      return `<rect x="${(i * bar).toFixed(2)}" y="${(plot - h).toFixed(2)}" width="${Math.max(bar - 0.5, 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="#5b8def"/>`;
    })
    .join('');
  const lo = first * binWidth;
  const hi = (first + counts.length) * binWidth;
  const zero = lo < 0 && hi > 0 ? ((0 - lo) / (hi - lo)) * width : undefined;
  return `<svg role="img" aria-label="activation histogram, log count" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}${
    zero === undefined
      ? ''
      : `<line x1="${zero.toFixed(2)}" x2="${zero.toFixed(2)}" y1="0" y2="${plot}" stroke="#999" stroke-dasharray="2 2"/>`
  }<text x="0" y="${height - 4}">${fmt(lo)}</text><text x="${width}" y="${height - 4}" text-anchor="end">${fmt(hi)}</text></svg>`;
}

/** An image with a receptive field outlined, linking to the image's page. */
function framed(
  from: string,
  n: string,
  image: { width: number; height: number },
  region: PixelRegion,
  caption: string,
  kind: 'top' | 'bottom',
): string {
  const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(2)}%`;
  const box = `left:${pct(region.x, image.width)};top:${pct(region.y, image.height)};width:${pct(region.width, image.width)};height:${pct(region.height, image.height)}`;
  return `<figure class="framed-figure"><a class="framed ${kind}" href="${relative(from, sitePaths.image(n))}"><img src="${relative(from, sitePaths.picture(n))}" alt="${escapeHtml(caption)}" loading="lazy"><span class="rf" style="${box}"></span></a><figcaption class="caption">${escapeHtml(caption)}</figcaption></figure>`;
}

/** What the pages need to know about the site as a whole. */
export interface SiteInfo {
  readonly title: string;
  readonly index: DatasetIndex;
  readonly slugs: ReadonlyMap<string, string>;
  /** Image id → the slug of its page and picture. */
  readonly pages: ReadonlyMap<string, string>;
  /** Units with pictures: `layer` → channels. */
  readonly rendered: ReadonlyMap<string, ReadonlySet<number>>;
}

const unitName = (layer: string, channel: number) => `${layer} #${channel}`;

export function overviewPage(
  site: SiteInfo,
  model: {
    readonly inputs: readonly TensorInfo[];
    readonly outputs: readonly TensorInfo[];
    readonly layers: readonly LayerInfo[];
    readonly details: readonly [string, string][];
  },
): string {
  const path = sitePaths.overview;
  const indexed = new Set(site.index.layers.map((l) => l.layer));
  const rows = model.layers
    .map((l) => {
      const slug = site.slugs.get(l.name);
      const name =
        indexed.has(l.name) && slug
          ? `<a href="${sitePaths.layer(slug)}">${escapeHtml(l.name)}</a>`
          : escapeHtml(l.name);
      return `<tr><td>${name}</td><td>${escapeHtml(l.opType)}</td><td>${escapeHtml(dims(l.dims))}</td></tr>`;
    })
    .join('\n');
  const io = [
    ...model.inputs.map((t) => ['input', t] as const),
    ...model.outputs.map((t) => ['output', t] as const),
  ]
    .map(
      ([kind, t]) =>
        `<tr><td>${kind}</td><td>${escapeHtml(t.name)}</td><td>${escapeHtml(t.type)}</td><td>${escapeHtml(dims(t.dims))}</td></tr>`,
    )
    .join('\n');
  const layerCards = site.index.layers
    .map((l) => {
      const slug = site.slugs.get(l.layer)!;
      return `<li><a href="${sitePaths.layer(slug)}">${escapeHtml(l.layer)}</a> <span class="muted">${l.channels} units, ${l.height}×${l.width}, receptive field ${l.receptiveField.global ? 'the whole input' : `${l.receptiveField.y.size}×${l.receptiveField.x.size} px`}</span></li>`;
    })
    .join('\n');
  const body = `<h1>${escapeHtml(site.title)}</h1>
<p>Dataset examples of ${site.index.images.length} image${site.index.images.length === 1 ? '' : 's'}, top ${site.index.topK} per unit.</p>
<h2>Layers indexed</h2>
<ul>
${layerCards}
</ul>
<h2>Model</h2>
<table>${model.details.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h3>Inputs and outputs</h3>
<table><tr><th></th><th>name</th><th>type</th><th>shape</th></tr>
${io}
</table>
<h3>All layers</h3>
<table><tr><th>tensor</th><th>op</th><th>shape</th></tr>
${rows}
</table>`;
  return page(path, site.title, [[sitePaths.overview, site.title]], body);
}

export function layerPage(site: SiteInfo, layer: LayerExamples, cropsShown: number): string {
  const slug = site.slugs.get(layer.layer)!;
  const path = sitePaths.layer(slug);
  const rendered = site.rendered.get(layer.layer) ?? new Set<number>();
  const signed = isSignedLayer(layer);
  const cards = layer.units
    .filter((u) => rendered.has(u.channel))
    .map((u) => {
      const mean = u.count > 0 ? u.sum / u.count : 0;
      return `<a class="card" href="${relative(path, sitePaths.unit(slug, u.channel))}">
<img class="viz" src="${relative(path, sitePaths.visualization(slug, u.channel))}" alt="feature visualization of unit ${u.channel}" loading="lazy">
<span class="label"><b>#${u.channel}</b><span class="muted">mean ${fmt(mean)} · max ${fmt(u.max)}</span></span>
${u.topPositions.length > 0 ? `<img class="strip" src="${relative(path, sitePaths.crops(slug, u.channel, 'top'))}" alt="top ${Math.min(cropsShown, u.topPositions.length)} dataset crops of unit ${u.channel}" loading="lazy">` : ''}
${signed && u.bottomPositions.length > 0 ? `<img class="strip" src="${relative(path, sitePaths.crops(slug, u.channel, 'bottom'))}" alt="bottom dataset crops of unit ${u.channel}" loading="lazy">` : ''}
</a>`;
    })
    .join('\n');
  const missing = layer.channels - rendered.size;
  const field = layer.receptiveField;
  const body = `<h1>${escapeHtml(layer.layer)}</h1>
<p>${layer.channels} units (channels), feature map ${layer.height}×${layer.width}. Receptive field ${
    field.global
      ? 'the whole input'
      : `${field.y.size}×${field.x.size} input pixels, stride ${field.y.jump}`
  }. Each card: the unit's feature visualization, then the crops of the ${cropsShown} dataset images whose strongest position excites it most${
    signed ? ' and, below, the most negative' : ''
  }.${missing > 0 ? ` <span class="muted">${missing} units not rendered (see --channels).</span>` : ''}</p>
<div class="grid">
${cards}
</div>`;
  return page(
    path,
    layer.layer,
    [
      [sitePaths.overview, site.title],
      [path, layer.layer],
    ],
    body,
  );
}

export function unitPage(
  site: SiteInfo,
  layer: LayerExamples,
  unit: UnitExamples,
  options: {
    readonly neuron: boolean;
    readonly neighbours: readonly [number | undefined, number | undefined];
  },
): string {
  const slug = site.slugs.get(layer.layer)!;
  const path = sitePaths.unit(slug, unit.channel);
  const signed = isSignedLayer(layer);
  const size = (id: string) => site.index.images.find((i) => i.id === id)!;
  const positions = (list: readonly PositionExample[], kind: 'top' | 'bottom') =>
    list
      .map((e) =>
        framed(
          path,
          site.pages.get(e.image)!,
          size(e.image),
          e.region,
          `${e.image} · ${fmt(e.value)} at (${e.y}, ${e.x})`,
          kind,
        ),
      )
      .join('\n');
  const means = (list: readonly { image: string; value: number }[]) =>
    list
      .map((e) => {
        const n = site.pages.get(e.image)!;
        return `<figure><a href="${relative(path, sitePaths.image(n))}"><img src="${relative(path, sitePaths.picture(n))}" alt="${escapeHtml(e.image)}" width="120" loading="lazy"></a><figcaption class="caption">${escapeHtml(e.image)} · ${fmt(e.value)}</figcaption></figure>`;
      })
      .join('\n');
  const mean = unit.count > 0 ? unit.sum / unit.count : 0;
  const std =
    unit.count > 0 ? Math.sqrt(Math.max(0, unit.sumOfSquares / unit.count - mean * mean)) : 0;
  const rendered = site.rendered.get(layer.layer) ?? new Set<number>();
  const link = (c: number | undefined, text: string) =>
    c !== undefined && rendered.has(c)
      ? `<a href="${relative(path, sitePaths.unit(slug, c))}">${text}</a>`
      : `<span class="muted">${text}</span>`;
  const body = `<h1>${escapeHtml(unitName(layer.layer, unit.channel))}</h1>
<p>${link(options.neighbours[0], '← previous unit')} · ${link(options.neighbours[1], 'next unit →')}</p>
<div class="row">
<figure class="viz"><img src="${relative(path, sitePaths.visualization(slug, unit.channel))}" alt="feature visualization: channel objective" width="256"><figcaption class="caption">channel (mean over positions)</figcaption></figure>
${options.neuron ? `<figure class="viz"><img src="${relative(path, sitePaths.neuron(slug, unit.channel))}" alt="feature visualization: neuron objective" width="256"><figcaption class="caption">neuron (centre position)</figcaption></figure>` : ''}
<div>
<table>
<tr><td>mean</td><td class="num">${fmt(mean)}</td></tr>
<tr><td>std</td><td class="num">${fmt(std)}</td></tr>
<tr><td>min</td><td class="num">${fmt(unit.min)}</td></tr>
<tr><td>max</td><td class="num">${fmt(unit.max)}</td></tr>
<tr><td>values</td><td class="num">${unit.count}</td></tr>
</table>
<p class="muted">Activation histogram over every position of every image (log count):</p>
${histogramSvg(unit.histogram)}
</div>
</div>
<h2>Strongest positions</h2>
<p class="muted">The images whose single strongest position excites this unit most, that position's receptive field outlined.</p>
<div class="row">
${positions(unit.topPositions, 'top')}
</div>
<h2>Highest mean activation</h2>
<div class="row">
${means(unit.top)}
</div>
${
  signed
    ? `<h2>Most negative positions</h2>
<div class="row">
${positions(unit.bottomPositions, 'bottom')}
</div>
<h2>Lowest mean activation</h2>
<div class="row">
${means(unit.bottom)}
</div>`
    : ''
}`;
  return page(
    path,
    unitName(layer.layer, unit.channel),
    [
      [sitePaths.overview, site.title],
      [sitePaths.layer(slug), layer.layer],
      [path, `#${unit.channel}`],
    ],
    body,
  );
}

/** An image of the site: its index entry and the slug of its page and picture. */
export interface SiteImage extends DatasetImageInfo {
  readonly slug: string;
}

/** What an image page shows, computed once per image (and cached by the command). */
export interface ImageSummary {
  /** Top classes, best first. */
  readonly classes: readonly { readonly label: string; readonly probability: number }[];
  /** The semantic dictionary of each indexed layer, for the top class. */
  readonly layers: readonly {
    readonly layer: string;
    readonly height: number;
    readonly width: number;
    /** Per position (row by row): the channel with the largest attribution, −1 where all are 0. */
    readonly best: readonly number[];
    /** Per position: the L2 norm of the activation vector. */
    readonly magnitude: readonly number[];
    /** The channels that carried the prediction most (activation × gradient over the image). */
    readonly attribution: readonly ChannelValue[];
  }[];
}

/** One image: its classes, its semantic dictionary per layer, and the units it excites. */
export function imagePage(site: SiteInfo, image: SiteImage, summary: ImageSummary): string {
  const path = sitePaths.image(image.slug);
  const { id } = image;
  const unitLink = (layer: string, channel: number, caption: string) => {
    const slug = site.slugs.get(layer)!;
    const thumb = `<img src="${relative(path, sitePaths.visualization(slug, channel))}" alt="${escapeHtml(unitName(layer, channel))}" width="72" loading="lazy">`;
    return site.rendered.get(layer)?.has(channel)
      ? `<figure><a href="${relative(path, sitePaths.unit(slug, channel))}">${thumb}</a><figcaption class="caption">${escapeHtml(caption)}</figcaption></figure>`
      : `<figure><span class="swatch" style="background:rgb(${unitColor(channel).join(',')})" title="not rendered (see --channels)"></span><figcaption class="caption">${escapeHtml(caption)}</figcaption></figure>`;
  };
  const sections = summary.layers
    .map((d) => {
      const layer = site.index.layers.find((l) => l.layer === d.layer);
      if (!layer) return '';
      const slug = site.slugs.get(d.layer)!;
      const excites = layer.units
        .filter(
          (u) => u.topPositions.some((e) => e.image === id) || u.top.some((e) => e.image === id),
        )
        .slice(0, 24);
      const counts = new Map<number, number>();
      for (const c of d.best) if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
      const legend = [...counts.entries()]
        .sort((x, y) => y[1] - x[1] || x[0] - y[0])
        .slice(0, 16)
        .map(([c, n]) => unitLink(d.layer, c, `#${c} · ${n} position${n === 1 ? '' : 's'}`))
        .join('\n');
      return `<h2>${escapeHtml(d.layer)}</h2>
<h3>Units that carried the prediction (${escapeHtml(summary.classes[0]?.label ?? '')})</h3>
<p class="muted">Channel attribution: activation × gradient of the class logit, summed over positions (Olah et al. 2018, "The Building Blocks of Interpretability").</p>
<div class="row">${d.attribution.map((c) => unitLink(d.layer, c.channel, `#${c.channel} · ${fmt(c.value)}`)).join('\n')}</div>
<h3>Semantic dictionary</h3>
<p class="muted">At each of the ${d.height}×${d.width} positions, the unit with the largest attribution to that class, faded by the norm of the activation vector there.</p>
<img class="dict" src="${relative(path, sitePaths.dictionary(image.slug, slug))}" alt="semantic dictionary of ${escapeHtml(id)} at ${escapeHtml(d.layer)}">
<div class="row">${legend}</div>
${
  excites.length > 0
    ? `<h3>Units whose dataset examples include this image</h3>
<div class="row">${excites.map((u) => unitLink(d.layer, u.channel, `#${u.channel}`)).join('\n')}</div>`
    : ''
}`;
    })
    .join('\n');
  const body = `<h1>${escapeHtml(id)}</h1>
<div class="row">
<img src="${relative(path, sitePaths.picture(image.slug))}" alt="${escapeHtml(id)}" width="256">
<div>
<table>
<tr><th>class</th><th>probability</th></tr>
${summary.classes.map((c) => `<tr><td>${escapeHtml(c.label)}</td><td class="num">${(100 * c.probability).toFixed(1)}%</td></tr>`).join('\n')}
</table>
<p class="muted">${image.width}×${image.height} pixels</p>
</div>
</div>
${sections}`;
  return page(
    path,
    id,
    [
      [sitePaths.overview, site.title],
      [path, id],
    ],
    body,
  );
}
