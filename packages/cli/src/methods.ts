// The saliency methods the CLI offers and the flags that set their options, shared by
// `fv saliency` (one method) and `fv evaluate` (several, compared).
import { FvError, type SaliencyMethod, type SaliencyOptions, saliencyMethods } from '@fv/core';
import type { Command } from 'commander';
import { COUNT, parseNumber } from './options.js';

/** Every method `--method` (and `--methods`) accepts: core's list. */
export const METHODS: readonly SaliencyMethod[] = saliencyMethods;

/** The per-method flags. */
export interface MethodFlags {
  readonly samples?: string;
  readonly sigma?: string;
  readonly steps?: string;
  readonly baseline?: string;
  readonly layer?: string;
  readonly variant?: string;
  readonly score?: string;
  readonly seed?: string;
  readonly window?: string;
  readonly masks?: string;
  readonly cells?: string;
  readonly keep?: string;
  readonly headFusion?: string;
  readonly discardRatio?: string;
  readonly token?: string;
  readonly attention?: string;
  readonly crop?: boolean;
}

/** Adds the per-method flags to a command. */
export function methodFlags(command: Command): Command {
  return command
    .option('--samples <n>', 'smoothgrad: noisy copies (default 50)')
    .option('--sigma <x>', 'smoothgrad: noise std as a fraction of the input range (default 0.15)')
    .option('--variant <name>', 'smoothgrad: mean, squared or variance')
    .option('--steps <n>', 'integrated-gradients: path intervals (default 50)')
    .option('--baseline <name>', 'integrated-gradients: black, uniform, blurred or mean')
    .option(
      '--layer <name>',
      "CAM methods: layer (default: the last spatial layer; a ViT's last attention block input)",
    )
    .option('--window <px>', 'occlusion: window side')
    .option('--masks <n>', 'rise: random masks (default 4000)')
    .option('--cells <n>', 'rise: grid cells per side (default 7)')
    .option('--keep <p>', 'rise: probability that a cell is kept (default 0.5)')
    .option('--head-fusion <name>', 'attention-rollout: mean, max or min over heads (default mean)')
    .option(
      '--discard-ratio <x>',
      'attention-rollout: share of lowest attention dropped (default 0)',
    )
    .option(
      '--token <name>',
      'transformer methods: class, distillation or mean row (default: class when there is one)',
    )
    .option(
      '--attention <names>',
      "transformer methods: attention Softmax outputs, comma-separated (default: all, see 'fv inspect')",
    )
    .option('--score <kind>', 'logit or probability (default: logit; rise: probability)')
    .option('--seed <n>', 'seed of the noise / baseline / masks')
    .option('--crop', 'centre-crop to the model aspect ratio instead of stretching');
}

/** A method name checked against {@link METHODS}. */
export function parseMethod(name: string): SaliencyMethod {
  if (!METHODS.includes(name as SaliencyMethod)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown method '${name}' (methods: ${METHODS.join(', ')})`,
    );
  }
  return name as SaliencyMethod;
}

/** The options of `method` from the flags (each flag applies to the methods that have it). */
export function methodOptions(
  method: SaliencyMethod,
  target: number | 'top',
  o: MethodFlags,
): SaliencyOptions {
  if (o.score && o.score !== 'logit' && o.score !== 'probability') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `--score must be 'logit' or 'probability', got '${o.score}'`,
    );
  }
  const common = {
    target,
    ...(o.score ? { score: o.score as 'logit' | 'probability' } : {}),
    ...(o.crop ? { preprocess: { fit: 'center-crop' as const } } : {}),
  };
  const samples = parseNumber(o.samples, '--samples', COUNT);
  const steps = parseNumber(o.steps, '--steps', COUNT);
  const seed = parseNumber(o.seed, '--seed', COUNT);
  const sigma = parseNumber(o.sigma, '--sigma');
  const seeded = seed !== undefined ? { seed } : {};
  const layer = o.layer ? { layer: o.layer } : {};
  switch (method) {
    case 'vanilla':
    case 'gradient-x-input':
    case 'guided-backprop':
    case 'deconvnet':
      return { method, ...common };
    case 'smoothgrad': {
      const variant = o.variant ?? 'mean';
      if (variant !== 'mean' && variant !== 'squared' && variant !== 'variance') {
        throw new FvError(
          'INVALID_ARGUMENT',
          `--variant must be mean, squared or variance, got '${variant}'`,
        );
      }
      return {
        method,
        ...common,
        variant,
        ...(samples !== undefined ? { samples } : {}),
        ...(sigma !== undefined ? { sigma } : {}),
        ...seeded,
      };
    }
    case 'integrated-gradients': {
      const baseline = (o.baseline ?? 'black') as 'black' | 'uniform' | 'blurred' | 'mean';
      if (!['black', 'uniform', 'blurred', 'mean'].includes(baseline)) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `--baseline must be black, uniform, blurred or mean, got '${baseline}'`,
        );
      }
      return {
        method,
        ...common,
        baseline,
        ...(steps !== undefined ? { steps } : {}),
        ...seeded,
      };
    }
    case 'grad-cam':
    case 'grad-cam++':
    case 'guided-grad-cam':
    case 'score-cam':
      return { method, ...common, ...layer };
    case 'occlusion': {
      const window = parseNumber(o.window, '--window', COUNT);
      return { method, ...common, ...(window !== undefined ? { window } : {}) };
    }
    case 'rise': {
      const masks = parseNumber(o.masks, '--masks', COUNT);
      const cells = parseNumber(o.cells, '--cells', COUNT);
      const keep = parseNumber(o.keep, '--keep');
      return {
        method,
        ...common,
        ...(masks !== undefined ? { masks } : {}),
        ...(cells !== undefined ? { cells } : {}),
        ...(keep !== undefined ? { keep } : {}),
        ...seeded,
      };
    }
    case 'random':
      return { method, ...common, ...seeded };
    case 'attention-rollout':
    case 'transformer-attribution': {
      const attention = {
        ...(o.token ? { token: o.token as 'class' } : {}),
        ...(o.attention ? { attention: o.attention.split(',').map((a) => a.trim()) } : {}),
      };
      if (method === 'transformer-attribution') return { method, ...common, ...attention };
      const discardRatio = parseNumber(o.discardRatio, '--discard-ratio');
      return {
        method,
        ...common,
        ...attention,
        ...(o.headFusion ? { headFusion: o.headFusion as 'mean' } : {}),
        ...(discardRatio !== undefined ? { discardRatio } : {}),
      };
    }
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown method '${String(method)}' (methods: ${METHODS.join(', ')})`,
      );
  }
}
