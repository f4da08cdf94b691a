// Command-line parsing (commander) and the one place errors become a stderr line and an exit code.
import { isFvError, metricNames, presetNames } from '@fv/core';
import { Command, CommanderError } from 'commander';
import { batchFlags } from './batch/run.js';
import { classify } from './commands/classify.js';
import { classviz, dream, visualize } from './commands/dream.js';
import { DEFAULT_METHODS, DEFAULT_METRICS, evaluateCommand } from './commands/evaluate.js';
import { grad, preprocess } from './commands/grad.js';
import { inspect } from './commands/inspect.js';
import { merge } from './commands/merge.js';
import { microscope } from './commands/microscope.js';
import { MAP_KINDS, saliencyCommand } from './commands/saliency.js';
import { ENGINE_COMMANDS, engineFlags } from './engine.js';
import { removePendingFiles } from './files.js';
import { METHODS, methodFlags } from './methods.js';

/** Adds the preprocessing flags every model command shares. */
function modelFlags(command: Command, withSize = true): Command {
  command
    .option('--preset <name>', `normalization preset (${presetNames.join(', ')})`)
    .option('--mean <list>', 'per-channel mean subtracted after scaling, e.g. 0.485,0.456,0.406')
    .option('--std <list>', 'per-channel std divided by, e.g. 0.229,0.224,0.225')
    .option('--scale <n>', 'multiplies 0..255 pixel values first, e.g. 1/255');
  if (withSize) command.option('--size <WxH>', 'model input size when the model does not fix it');
  return command
    .option('--bgr', 'the model expects BGR channel order')
    .option('--labels <file>', 'class names, one per line or a JSON array')
    .option('--input-name <name>', 'model input to feed (default: pixel_values, else the first)')
    .option(
      '--logits-name <name>',
      'model output holding the class scores (default: logits, else the first)',
    )
    .option('--config <file>', 'config file instead of the sidecar MODEL.fv.json')
    .option(
      '--dtype <name>',
      'model folder: which ONNX file (fp32 model.onnx, fp16, q8 model_quantized.onnx, int8, uint8, q4, q4f16, bnb4)',
    );
}

/** Builds the `fv` program. */
export function createProgram(): Command {
  const program = new Command('fv')
    .description(
      "Saliency maps, Deep Dream and unit visualization for ONNX image classifiers (onnxruntime-node's CPU provider when installed, else onnxruntime-web's wasm, in worker threads).",
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');

  modelFlags(
    program
      .command('inspect')
      .description('inputs, outputs, layers (shapes, op types), ops without gradient rules')
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .option('--json', 'machine-readable output')
      .option(
        '--write-config [file]',
        'write the resolved config (default: MODEL.fv.json next to the model)',
      ),
  ).action((model: string, o) => inspect(model, o));

  modelFlags(
    program
      .command('classify')
      .description('top classes of each image')
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .argument('<images...>', 'PNG/JPEG files or folders')
      .option('--top <k>', 'classes per image', '5')
      .option('--crop', 'centre-crop to the model aspect ratio instead of stretching')
      .option(
        '--out <dir>',
        'folder of the JSON Lines index of predictions (with --shard, --resume)',
        'out/',
      )
      .option('--json', 'machine-readable output'),
  ).action((model: string, images: string[], o) => classify(model, images, o));
  batchFlags(program.commands.at(-1)!);

  modelFlags(
    program
      .command('saliency')
      .description(
        'saliency maps: a grid (image, absolute, positive, negative) and/or single maps per image',
      )
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .argument('<images...>', 'PNG/JPEG files or folders')
      .option('--target <n|top|label>', 'class to explain', 'top')
      .option('--method <name>', `one of ${METHODS.join(', ')}`, 'vanilla')
      .option('--out <dir|file>', 'output folder, or FILE.png for one image', 'out/')
      .option(
        '--maps <list>',
        `pictures to write: ${MAP_KINDS.join(', ')} (comma-separated), or none`,
        'grid',
      )
      .option('--colormap <name>', 'colormap of every map (default: Blues/Greens/Reds by sign)')
      .option('--normalize <mode>', 'outlier[:PERC] (default), percentile[:P], min-max, abs-max')
      .option(
        '--style <name>',
        'heat-map (default), blended-heat-map, overlay, masked-image, alpha-scaling',
      )
      .option('--save-npy', 'also write the raw attribution (.npy) and the maps (.maps.npy, 3×H×W)')
      .option(
        '--min-display <px>',
        'upscale small inputs to at least this side in the pictures',
        '224',
      )
      .option('--json', 'machine-readable output'),
  ).action((model: string, images: string[], o) => saliencyCommand(model, images, o));
  methodFlags(program.commands.at(-1)!);
  batchFlags(program.commands.at(-1)!);

  modelFlags(
    program
      .command('evaluate')
      .description(
        'which explanation to trust: methods compared by deletion, insertion, infidelity, sensitivity and cascading randomization',
      )
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .argument('<images...>', 'PNG/JPEG files or folders')
      .option('--methods <list>', `comma-separated, from ${METHODS.join(', ')}`, DEFAULT_METHODS)
      .option(
        '--metrics <list>',
        `comma-separated, from ${metricNames.join(', ')}`,
        DEFAULT_METRICS,
      )
      .option('--target <n|top|label>', 'class to explain', 'top')
      .option('--out <dir>', 'folder of the pictures', 'out/')
      .option(
        '--pictures <list>',
        'curves, randomization (comma-separated), or none',
        'curves,randomization',
      )
      .option(
        '--order <kind>',
        'deletion/insertion rank pixels by absolute (default), positive or signed map values',
      )
      .option(
        '--pixels-per-step <n>',
        'deletion/insertion: pixels changed per step (default: the input width)',
      )
      .option('--deletion-baseline <name>', 'black (default), blurred, mean or uniform')
      .option('--insertion-baseline <name>', 'blurred (default), black, mean or uniform')
      .option('--perturbations <n>', 'infidelity and sensitivity: perturbed inputs (default 10)')
      .option(
        '--noise-std <x>',
        'infidelity: Gaussian perturbation std, normalized units (default 0.003)',
      )
      .option('--radius <x>', 'sensitivity: L-infinity radius, normalized units (default 0.02)')
      .option(
        '--cascade <n>',
        'randomization: cascade points, evenly spread from the top layer to all (default: every layer, at most 8)',
      )
      .option(
        '--init <kind>',
        'randomization: reset (default, PyTorch reset_parameters) or shuffle',
      )
      .option(
        '--min-display <px>',
        'upscale small inputs to at least this side in the pictures',
        '96',
      )
      .option('--json', 'machine-readable output'),
  ).action((model: string, images: string[], o) => evaluateCommand(model, images, o));
  methodFlags(program.commands.at(-1)!);
  batchFlags(program.commands.at(-1)!);

  modelFlags(
    program
      .command('grad')
      .description(
        'the raw gradient of a logit or a layer with respect to a preprocessed input (.npy)',
      )
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .requiredOption(
        '--input <x.npy>',
        'the preprocessed input tensor, shaped like the model input',
      )
      .option('--target <n>', 'class whose logit is differentiated')
      .option('--layer <name>', 'layer whose mean-square (or channel mean) is differentiated')
      .option('--channel <c>', 'with --layer: the mean of one channel')
      .option('--reduce <kind>', 'with --layer and no --channel: mean-square (default) or mean')
      .option('--relu <mode>', 'standard (default), guided, deconvnet or redirected')
      .requiredOption('--out <g.npy>', 'output file')
      .option('--json', 'machine-readable output'),
  ).action((model: string, o) => grad(model, o));

  modelFlags(
    program
      .command('preprocess')
      .description("an image as the model's input tensor (.npy), for fv grad")
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .argument('<image>', 'PNG/JPEG file')
      .option('--crop', 'centre-crop to the model aspect ratio instead of stretching')
      .requiredOption('--out <x.npy>', 'output file'),
  ).action((model: string, image: string, o) => preprocess(model, image, o));

  modelFlags(
    program
      .command('dream')
      .description('Deep Dream: amplify what a layer sees in an image')
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .argument('<image>', 'PNG/JPEG file')
      .requiredOption('--layer <name>', 'layer to maximize (see fv inspect)')
      .option('--channel <c>', 'maximize one channel of the layer instead of all')
      .option('--octaves <n>', 'number of scales', '4')
      .option('--octave-scale <x>', 'size ratio between scales', '1.4')
      .option('--steps <n>', 'gradient steps per octave', '10')
      .option('--step-size <x>', 'step in model input units (default 1.5/255 of the range)')
      .option('--jitter <px>', 'random roll before each step', '32')
      .option('--seed <n>', 'seed of the jitter', '0')
      .option('--resize <px>', 'resize the image so its longer side is this many pixels first')
      .requiredOption('--out <file.png>', 'the dreamed image')
      .option('--frames <file.apng>', 'also write every step as an animated PNG')
      .option('--frame-delay <ms>', 'APNG frame delay', '80')
      .option('--json', 'machine-readable output'),
  ).action((model: string, image: string, o) => dream(model, image, o));

  modelFlags(
    program
      .command('visualize')
      .description('unit visualization: an image that maximizes a channel (or several, as a grid)')
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .requiredOption('--layer <name>', 'layer of the units')
      .option('--channel <c>', 'one channel')
      .option('--channels <list>', 'several channels: 0-15 or 1,4,9')
      .option('--size <px>', 'side of the optimized image', '128')
      .option('--steps <n>', 'optimization steps', '512')
      .option('--learning-rate <x>', 'Adam learning rate (default 0.05)')
      .option('--seed <n>', 'seed', '0')
      .option('--columns <n>', 'grid columns (default: square)')
      .requiredOption('--out <file.png>', 'output image')
      .option('--json', 'machine-readable output'),
    false,
  ).action((model: string, o) => visualize(model, o));

  modelFlags(
    program
      .command('classviz')
      .description('class visualization: an image that maximizes a class logit')
      .argument('<model>', 'ONNX model, or a Hugging Face / transformers.js model folder')
      .requiredOption('--target <n|label>', 'class to visualize')
      .option(
        '--method <name>',
        "lucid (default: Lucid's feature visualization of the logit) or simonyan (pixel-space ascent)",
      )
      .option('--steps <n>', 'optimization steps (default: lucid 512, simonyan 100)')
      .option(
        '--learning-rate <x>',
        'lucid: Adam learning rate (default 0.05); simonyan: step on the normalized gradient (default 25)',
      )
      .option('--image-size <px>', 'lucid: side of the optimized image (default 128)')
      .option('--seed <n>', 'seed', '0')
      .option('--min-display <px>', 'upscale small inputs to at least this side', '0')
      .requiredOption('--out <file.png>', 'output image')
      .option('--json', 'machine-readable output'),
  ).action((model: string, o) => classviz(model, o));

  modelFlags(
    program
      .command('microscope')
      .description(
        'a static Microscope site: per layer a grid of units, per unit its feature visualization, dataset examples and histogram, per image its semantic dictionary',
      )
      .argument('<model>', 'ONNX model')
      .option('--images <paths...>', 'PNG/JPEG folders or files: the dataset')
      .option('--layers <list>', 'layers to index, comma-separated (see fv inspect)')
      .option('--out <dir>', 'site folder (reruns resume: finished work is kept)', 'site')
      .option('--channels <list>', 'units to render per layer, e.g. 0-15 (default: all)')
      .option('--top-k <n>', 'dataset examples kept per unit and list', '8')
      .option('--crops <n>', 'crops shown per unit on layer pages', '4')
      .option('--crop-size <px>', 'side of a crop thumbnail', '64')
      .option('--image-size <px>', 'longest side of the image copies in the site', '256')
      .option(
        '--viz-size <px>',
        'side of the feature visualizations (default: the model input size, at most 128)',
      )
      .option('--viz-steps <n>', 'optimization steps per feature visualization', '256')
      .option('--viz-batch <n>', 'units optimized together', '8')
      .option('--no-neuron', 'skip the centre-neuron visualizations (halves the time)')
      .option('--seed <n>', 'seed of the visualizations', '0')
      .option('--batch-size <n>', 'images per engine call in the dataset pass')
      .option('--histogram-bins <n>', 'most bins of each activation histogram (default 64)')
      .option('--crop', 'centre-crop images to the model aspect ratio instead of stretching')
      .option('--index <files...>', 'build from these dataset indexes (merged) instead of indexing')
      .option('--index-only', 'stop after the dataset index (data/index.json)')
      .option(
        '--shard <K/N>',
        "index only this job's part of the images (sorted by id, every N-th from the K-th, as fv saliency --shard) into data/index.K-of-N.json, then stop",
      )
      .option('--fresh', 'delete the site folder first instead of resuming')
      .option('--json', 'machine-readable output'),
  ).action((model: string, o) => microscope(model, o));

  program
    .command('merge')
    .description(
      'the JSON Lines indexes of a sharded run (--shard K/N) as one, sorted by image; checks that every shard is there',
    )
    .argument('<indexes...>', 'index files, or folders holding index.K-of-N.jsonl files')
    .option('--out <file>', 'the merged index (default: standard output)')
    .option('--partial', 'merge what is there: missing shards, cut-off last lines')
    .action((indexes: string[], o) => merge(indexes, o));

  for (const command of program.commands) {
    if (ENGINE_COMMANDS.includes(command.name())) engineFlags(command);
  }
  return program;
}

/**
 * Runs `fv` with `argv` (as `process.argv`: node, script, args…) and resolves to the exit code:
 * 0 on success, 1 on errors (one line on stderr: `fv: error: … [CODE]`), 2 on usage errors.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const command of program.commands) command.exitOverride();
  const cleanup = () => {
    removePendingFiles();
    process.exit(130);
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    removePendingFiles();
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const message = (error as Error)?.message ?? String(error);
    const code = isFvError(error) ? ` [${error.code}]` : '';
    process.stderr.write(`fv: error: ${message.split('\n')[0]}${code}\n`);
    if (process.env.FV_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return 1;
  } finally {
    process.off('SIGINT', cleanup);
    process.off('SIGTERM', cleanup);
  }
}
