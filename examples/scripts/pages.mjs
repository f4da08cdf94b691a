// The gallery's HTML: one page per capability with a Storybook-like sidebar. Each page's
// controls are plain labelled form elements (keyboard reachable); its script
// (examples/src/pages/<id>.ts) wires them to @fv/runtime, @fv/core and @fv/viz.

/** Pages in sidebar order. */
export const pages = [
  {
    id: 'saliency',
    title: 'Saliency explorer',
    blurb:
      'Which pixels move the class score? Pick a model, an image (choose, drop or paste one), a target class and a method.',
  },
  {
    id: 'compare',
    title: 'Compare methods',
    blurb:
      'Which explanation to trust? Several methods on one image, each scored by deletion and insertion AUC and the randomization sanity check, recomputed when the image or the model changes.',
  },
  {
    id: 'dream',
    title: 'Deep Dream studio',
    blurb:
      'Gradient ascent on a layer of the network, octave by octave; frames stream in from the worker as they are computed.',
  },
  {
    id: 'microscope',
    title: 'Unit microscope',
    blurb:
      "The channels of a layer, each visualized from noise; the grid fills in as units finish. Click one for a larger render and its neuron variant; drop images for each unit's dataset examples.",
  },
  {
    id: 'class',
    title: 'Class visualization',
    blurb: 'An image optimized to raise one class score, from noise: watch it form.',
  },
];

const escapeHtml = (text) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const engineControls = `
<section class="engine" aria-label="Model and backend">
  <label>Model <select id="model" name="model"></select></label>
  <label>Backend
    <select id="backend" name="backend">
      <option value="auto">auto (WebGPU, else wasm)</option>
      <option value="webgpu">WebGPU</option>
      <option value="wasm">wasm</option>
    </select>
  </label>
  <details class="custom-model">
    <summary>Use your own model (.onnx or model folder)</summary>
    <label>Preprocessing (of an .onnx file)
      <select id="preset" name="preset">
        <option value="torchvision">torchvision (RGB, ImageNet mean/std)</option>
        <option value="tensorflow">tensorflow ((px − 128) / 128)</option>
        <option value="caffe">caffe (BGR, mean subtracted)</option>
        <option value="mnist">mnist (grayscale, px / 255)</option>
      </select>
    </label>
    <label>Model file <input type="file" id="model-file" accept=".onnx" /></label>
    <label>Model folder <input type="file" id="model-folder" webkitdirectory /></label>
    <p class="hint">…or drop an <code>.onnx</code> file, or a Hugging Face / transformers.js model
    folder (<code>onnx/model.onnx</code>, <code>config.json</code>,
    <code>preprocessor_config.json</code>: it brings its own preprocessing and labels), anywhere on
    the page.</p>
  </details>
  <p class="model-url">
    <label>Model folder URL <input type="url" id="model-url" placeholder="https://…/my-vit/ (ends in /)" size="36" /></label>
    <button type="button" id="model-url-load">Load</button>
  </p>
  <p class="badges">
    <span>Backend: <output id="backend-badge" data-backend="">none</output></span>
    <span>Step: <output id="step-time">–</output></span>
    <span>Load: <output id="load-time">–</output></span>
  </p>
</section>
<div id="error" class="error" role="alert" hidden></div>
<p id="status" class="status" role="status" aria-live="polite">Loading…</p>`;

/** The image picker of the pages that take one (ids `image` and `image-file`, which Gallery uses). */
const imageControls = (legend, hint) => `
    <fieldset>
      <legend>${legend}</legend>
      <label>Photo <select id="image" name="image"></select></label>
      <label>Image file <input type="file" id="image-file" accept="image/*" /></label>${hint ? `\n      <p class="hint">${hint}</p>` : ''}
    </fieldset>`;

const compareMethods = [
  ['vanilla', 'vanilla gradient', true],
  ['smoothgrad', 'SmoothGrad', true],
  ['integrated-gradients', 'integrated gradients', false],
  ['gradient-x-input', 'gradient × input', false],
  ['guided-backprop', 'guided backprop', true],
  ['grad-cam', 'Grad-CAM', true],
  ['occlusion', 'occlusion', false],
  ['rise', 'RISE', false],
  ['random', 'random (control)', true],
];
const compareMetrics = [
  ['deletion', 'deletion AUC (lower is better)', true],
  ['insertion', 'insertion AUC (higher is better)', true],
  ['randomization', 'randomization ρ (lower is better)', true],
  ['infidelity', 'infidelity (lower is better)', false],
  ['sensitivity', 'max-sensitivity (lower is better)', false],
];
const checkboxes = (name, items) =>
  items
    .map(
      ([value, label, checked]) =>
        `<label class="check"><input type="checkbox" name="${name}" value="${value}"${checked ? ' checked' : ''} /> ${label}</label>`,
    )
    .join('\n      ');

const bodies = {
  compare: `
<div class="workspace">
  <form class="controls" id="controls" aria-label="Comparison settings">
    ${engineControls}${imageControls('Image', 'Drop or paste an image anywhere on the page: the comparison reruns.')}
    <fieldset>
      <legend>Methods</legend>
      ${checkboxes('method', compareMethods)}
    </fieldset>
    <fieldset>
      <legend>Metrics</legend>
      ${checkboxes('metric', compareMetrics)}
    </fieldset>
    <fieldset>
      <legend>Settings</legend>
      <label>SmoothGrad samples <input type="number" id="samples" min="1" max="100" value="8" /></label>
      <label>RISE masks <input type="number" id="masks" min="10" max="8000" value="500" /></label>
      <label>Cascade points <input type="number" id="points" min="1" max="20" value="3" /></label>
    </fieldset>
    <div class="actions">
      <button type="submit" id="run" disabled>Compare</button>
      <button type="button" id="stop" disabled>Stop</button>
    </div>
  </form>
  <section class="output" aria-label="Comparison">
    <p id="target" class="target">class –</p>
    <div class="table-scroll">
      <table class="scores" id="scores" aria-label="Scores per method">
        <thead><tr id="score-head"></tr></thead>
        <tbody id="score-body"></tbody>
      </table>
    </div>
    <div class="views">
      <figure><canvas id="view-curves" class="wide" aria-label="Deletion and insertion curves"></canvas><figcaption>deletion and insertion curves</figcaption></figure>
      <figure><canvas id="view-cascade" class="wide" aria-label="Randomization cascade"></canvas><figcaption>cascading randomization: each method's map as more top layers are re-initialized (Spearman ρ of |S| in the titles)</figcaption></figure>
    </div>
    <h2>Code</h2>
    <pre class="code"><code id="code"></code></pre>
  </section>
</div>`,
  saliency: `
<div class="workspace">
  <form class="controls" id="controls" aria-label="Saliency settings">
    ${engineControls}${imageControls('Image', 'Drop or paste an image anywhere on the page.')}
    <fieldset>
      <legend>Target class (top 5)</legend>
      <ol id="top5" class="top5"></ol>
    </fieldset>
    <fieldset>
      <legend>Method</legend>
      <label>Method
        <select id="method" name="method">
          <option value="vanilla">vanilla gradient</option>
          <option value="gradient-x-input">gradient × input</option>
          <option value="smoothgrad">SmoothGrad</option>
          <option value="integrated-gradients">integrated gradients</option>
          <option value="guided-backprop">guided backprop</option>
          <option value="deconvnet">deconvnet</option>
          <option value="grad-cam">Grad-CAM</option>
          <option value="grad-cam++">Grad-CAM++</option>
          <option value="guided-grad-cam">guided Grad-CAM</option>
          <option value="occlusion">occlusion</option>
          <option value="attention-rollout" data-transformer>attention rollout (ViT)</option>
          <option value="transformer-attribution" data-transformer>transformer attribution (ViT)</option>
        </select>
      </label>
      <label data-for="smoothgrad">Samples <input type="number" id="samples" min="1" max="100" value="8" /></label>
      <label data-for="smoothgrad">Noise σ <input type="number" id="sigma" min="0" max="1" step="any" value="0.15" /></label>
      <label data-for="integrated-gradients">Steps <input type="number" id="ig-steps" min="1" max="200" value="16" /></label>
      <label data-for="occlusion">Window <input type="number" id="window" min="1" max="64" value="16" /></label>
      <label data-for="grad-cam grad-cam++ guided-grad-cam">Layer <select id="cam-layer"><option value="">auto (last conv)</option></select></label>
      <label data-for="attention-rollout">Head fusion <select id="head-fusion"><option value="mean">mean</option><option value="max">max</option><option value="min">min</option></select></label>
      <label data-for="attention-rollout">Discard ratio <input type="number" id="discard-ratio" min="0" max="0.99" step="0.05" value="0" /></label>
      <label data-for="attention-rollout transformer-attribution">Token <select id="token"><option value="">auto (class, else mean)</option><option value="class">class</option><option value="distillation">distillation</option><option value="mean">mean of all</option></select></label>
    </fieldset>
    <fieldset>
      <legend>Display</legend>
      <label>Colormap <select id="colormap"></select></label>
      <label>Normalization
        <select id="normalize">
          <option value="outlier">outlier (2 %)</option>
          <option value="percentile">percentile (99)</option>
          <option value="min-max">min–max</option>
          <option value="abs-max">abs-max</option>
        </select>
      </label>
      <label>Overlay sign
        <select id="sign">
          <option value="absolute">absolute</option>
          <option value="positive">positive</option>
          <option value="negative">negative</option>
          <option value="all">all (signed)</option>
        </select>
      </label>
      <label>Overlay alpha <input type="range" id="alpha" min="0" max="1" step="0.05" value="0.6" /></label>
    </fieldset>
    <div class="actions">
      <button type="submit" id="run" disabled>Compute saliency</button>
      <button type="button" id="download" disabled>Download PNG</button>
    </div>
  </form>
  <section class="output" aria-label="Saliency maps">
    <div class="views">
      <figure><canvas id="view-image" aria-label="Input image"></canvas><figcaption>image</figcaption></figure>
      <figure><canvas id="view-overlay" aria-label="Overlay"></canvas><figcaption>overlay</figcaption></figure>
      <figure><canvas id="view-absolute" aria-label="Absolute map"></canvas><figcaption>absolute</figcaption></figure>
      <figure><canvas id="view-positive" aria-label="Positive map"></canvas><figcaption>positive</figcaption></figure>
      <figure><canvas id="view-negative" aria-label="Negative map"></canvas><figcaption>negative</figcaption></figure>
    </div>
    <h2>Semantic dictionary</h2>
    <p class="hint">Which units of a layer fire where, and which carried the chosen class (activation × gradient; Olah et al. 2018).</p>
    <div class="dictionary-controls">
      <label>Layer <select id="dict-layer"></select></label>
      <button type="button" id="dictionary" data-action disabled>Semantic dictionary</button>
    </div>
    <div class="views">
      <figure><canvas id="view-dictionary" aria-label="Semantic dictionary"></canvas><figcaption>strongest unit per position</figcaption></figure>
    </div>
    <div id="dictionary-units" class="unit-grid" aria-label="Units that carried the class"></div>
    <h2>Code</h2>
    <pre class="code"><code id="code"></code></pre>
  </section>
</div>`,
  dream: `
<div class="workspace">
  <form class="controls" id="controls" aria-label="Deep Dream settings">
    ${engineControls}${imageControls('Start image')}
    <fieldset>
      <legend>Objective</legend>
      <label>Layer <select id="layer"></select></label>
      <label>Channel (empty: whole layer) <input type="number" id="channel" min="0" placeholder="all" /></label>
    </fieldset>
    <fieldset>
      <legend>Schedule</legend>
      <label>Octaves <input type="number" id="octaves" min="1" max="6" value="2" /></label>
      <label>Octave scale <input type="number" id="octave-scale" min="1.05" max="2" step="any" value="1.4" /></label>
      <label>Steps per octave <input type="number" id="steps" min="1" max="500" value="8" /></label>
      <label>Step size <input type="number" id="step-size" min="0.001" max="1" step="any" value="0.05" /></label>
      <label>Jitter (px) <input type="number" id="jitter" min="0" max="64" value="8" /></label>
    </fieldset>
    <div class="actions">
      <button type="submit" id="run" disabled>Dream</button>
      <button type="button" id="stop" disabled>Stop</button>
      <button type="button" id="download" disabled>Download PNG</button>
      <button type="button" id="download-apng" disabled>Download APNG</button>
    </div>
  </form>
  <section class="output" aria-label="Dream">
    <div class="views">
      <figure><canvas id="view-dream" class="large" aria-label="Dreamed image"></canvas><figcaption id="frame-caption">frame –</figcaption></figure>
    </div>
    <h2>Code</h2>
    <pre class="code"><code id="code"></code></pre>
  </section>
</div>`,
  microscope: `
<div class="workspace">
  <form class="controls" id="controls" aria-label="Unit visualization settings">
    ${engineControls}
    <fieldset>
      <legend>Units</legend>
      <label>Layer <select id="layer"></select></label>
      <label>First channel <input type="number" id="first" min="0" value="0" /></label>
      <label>Channels <input type="number" id="count" min="1" max="64" value="8" /></label>
      <label>Steps <input type="number" id="steps" min="1" max="512" value="32" /></label>
      <label>Size (px) <input type="number" id="size" min="16" max="256" value="48" /></label>
    </fieldset>
    <fieldset>
      <legend>Dataset examples</legend>
      <label>Images <input type="file" id="dataset-files" accept="image/*" multiple /></label>
      <p class="hint">Choose or drop a few dozen images: under each unit, the crops of the images whose strongest position excites it most (computed in the worker).</p>
      <p class="hint" id="dataset-count">No images yet.</p>
      <button type="button" id="examples" data-action disabled>Find dataset examples</button>
    </fieldset>
    <div class="actions">
      <button type="submit" id="run" disabled>Visualize</button>
      <button type="button" id="stop" disabled>Stop</button>
    </div>
  </form>
  <section class="output" aria-label="Units">
    <div id="grid" class="unit-grid"></div>
    <div id="detail" class="detail" hidden>
      <figure><canvas id="detail-channel" class="large" aria-label="Channel visualization"></canvas><figcaption id="detail-caption">channel</figcaption></figure>
      <figure><canvas id="detail-neuron" class="large" aria-label="Neuron visualization"></canvas><figcaption>neuron (centre)</figcaption></figure>
    </div>
    <h2>Code</h2>
    <pre class="code"><code id="code"></code></pre>
  </section>
</div>`,
  class: `
<div class="workspace">
  <form class="controls" id="controls" aria-label="Class visualization settings">
    ${engineControls}
    <fieldset>
      <legend>Class</legend>
      <label>Class <input type="text" id="class-name" list="class-list" placeholder="index or name" /></label>
      <datalist id="class-list"></datalist>
      <label>Steps <input type="number" id="steps" min="1" max="500" value="60" /></label>
      <label>Learning rate <input type="number" id="learning-rate" min="0.01" max="1000" step="any" value="25" /></label>
      <label>L2 decay <input type="number" id="l2" min="0" max="1" step="0.001" value="0.001" /></label>
      <label>Blur every (steps) <input type="number" id="blur-every" min="0" max="50" value="10" /></label>
    </fieldset>
    <div class="actions">
      <button type="submit" id="run" disabled>Visualize class</button>
      <button type="button" id="stop" disabled>Stop</button>
      <button type="button" id="download" disabled>Download PNG</button>
    </div>
  </form>
  <section class="output" aria-label="Class visualization">
    <div class="views">
      <figure><canvas id="view-class" class="large" aria-label="Class visualization"></canvas><figcaption id="frame-caption">step –</figcaption></figure>
    </div>
    <h2>Code</h2>
    <pre class="code"><code id="code"></code></pre>
  </section>
</div>`,
};

const overview = `
<p>Small interactive pages for what <code>fv</code> does in the browser. Every page runs the model
in a Web Worker through <code>@fv/runtime</code> (WebGPU first, wasm as fallback), shows which
backend runs and how long each step takes, and lets you switch backend.</p>
<ul class="cards">
${pages.map((p) => `<li><a href="${p.id}.html"><strong>${escapeHtml(p.title)}</strong></a><p>${escapeHtml(p.blurb)}</p></li>`).join('\n')}
</ul>`;

/** The HTML of one page (`page` null: the overview). */
export function renderPage(page) {
  const title = page ? page.title : 'fv examples';
  const nav = pages
    .map(
      (p) =>
        `<li><a href="${p.id}.html"${page?.id === p.id ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a></li>`,
    )
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} · fv</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="assets/styles.css" />
  </head>
  <body data-page="${page?.id ?? 'index'}">
    <a class="skip" href="#main">Skip to content</a>
    <nav class="sidebar" aria-label="Examples">
      <a class="brand" href="index.html">fv examples</a>
      <ul>
        ${nav}
      </ul>
    </nav>
    <main id="main" tabindex="-1">
      <h1>${escapeHtml(title)}</h1>
      ${page ? `<p class="blurb">${escapeHtml(page.blurb)}</p>${bodies[page.id]}` : overview}
    </main>
    ${page ? `<script type="module" src="assets/${page.id}.js"></script>` : ''}
  </body>
</html>
`;
}
