import type { Engine } from '../engine.js';
import type { Map2D } from '../image/map.js';
import type { LoopProgress } from '../loop/run.js';
import type {
  Baseline,
  CommonSaliencyOptions,
  SaliencyOptions,
  SaliencyResult,
} from '../saliency/types.js';
import type { Tensor } from '../tensor.js';

/** A frame of a metric: `step` of `totalSteps` units (batches of engine calls, or explanations). */
export type MetricFrame = LoopProgress;

/** How pixels are ranked by a map: by |value|, by max(value, 0), or by the value itself. */
export type PixelOrder = 'absolute' | 'positive' | 'signed';

/** Options every metric takes (as the saliency methods, but the target defaults to the top class). */
export interface CommonMetricOptions extends Omit<CommonSaliencyOptions, 'target' | 'score'> {
  /**
   * Class the explanation is for: an index into the logits, or `'top'` for the highest-scoring
   * class at the input. @defaultValue `'top'`
   */
  readonly target?: number | 'top';
  /**
   * The model output a metric reads: the class `logit` or its softmax `probability`.
   * @defaultValue `'probability'` for deletion and insertion (as the RISE paper), `'logit'`
   *   otherwise (what Captum's metrics see from a model that returns logits)
   */
  readonly score?: 'logit' | 'probability';
}

/**
 * Deletion and insertion (Petsiuk, Das & Saenko, "RISE", BMVC 2018): pixels are changed in order
 * of decreasing saliency, `pixelsPerStep` at a time, and the class score is read after each step.
 * Deletion starts from the image and replaces pixels by the baseline (a good map makes the score
 * fall fast: low AUC is better); insertion starts from the baseline and puts the image's pixels
 * back (a good map makes it rise fast: high AUC is better).
 */
export interface DeletionOptions extends CommonMetricOptions {
  readonly metric: 'deletion' | 'insertion';
  /**
   * The saliency map at the model input's size (a `SaliencyResult`'s signed `map`, or any map):
   * pixels ranked higher by `order` go first, ties in row-major order.
   */
  readonly map: Map2D;
  /**
   * `absolute`: by |map| (all evidence, the saliency map M); `positive`: by max(map, 0) (evidence
   * for the class); `signed`: by the value itself (negative evidence last). For a non-negative map
   * (RISE, a CAM) all three agree. @defaultValue `'absolute'`
   */
  readonly order?: PixelOrder;
  /**
   * What replaces removed pixels (deletion) or what insertion starts from: `black`, `blurred` (a
   * Gaussian of `blurSigma` pixels), `mean` (the image's mean per channel), `uniform` (seeded
   * noise) or a tensor, as integrated gradients' baselines.
   * @defaultValue `'black'` for deletion, `'blurred'` for insertion (the paper's choices)
   */
  readonly baseline?: Baseline;
  /** Pixels changed per step. @defaultValue the input width (224 at 224 × 224, as the paper) */
  readonly pixelsPerStep?: number;
  /** Standard deviation of the `blurred` baseline, in pixels. @defaultValue max(H, W) / 16 */
  readonly blurSigma?: number;
  /** Seed of the `uniform` baseline. @defaultValue 0 */
  readonly seed?: number;
}

/**
 * Infidelity (Yeh et al., "On the (In)fidelity and Sensitivity of Explanations", NeurIPS 2019) as
 * Captum's `infidelity` computes it: for perturbations I_k, the mean over k of
 * (Σ_j a_j · I_kj − (f(x) − f(x − I_k)))². Lower is better.
 */
export interface InfidelityOptions extends CommonMetricOptions {
  readonly metric: 'infidelity';
  /**
   * The attribution, shaped like the input; a one-channel attribution (Grad-CAM, occlusion, RISE)
   * is used for every channel.
   */
  readonly attribution: Tensor;
  /** Perturbations (Captum's `n_perturb_samples`). @defaultValue 10 */
  readonly samples?: number;
  /**
   * Standard deviation of the Gaussian perturbations I ~ N(0, std²), in normalized input units.
   * Captum has no default perturbation; this is the one of its documentation and tutorial.
   * @defaultValue 0.003
   */
  readonly std?: number;
  /**
   * Scale the attribution by the least-squares optimal β first (Captum's `normalize`, the
   * authors' code), so that the value does not depend on the attribution's scale. @defaultValue false
   */
  readonly normalize?: boolean;
  /** Seed of the perturbations. @defaultValue 0 */
  readonly seed?: number;
  /** Use these perturbations I_k instead of drawing them (Captum's `perturb_func`). */
  readonly perturbations?: readonly Tensor[];
}

/**
 * Max-sensitivity (Yeh et al. 2019) as Captum's `sensitivity_max`: the largest relative change of
 * the explanation, ‖e(x) − e(x + δ)‖ / ‖e(x)‖, over perturbations δ drawn uniformly from the L∞
 * ball of radius `radius`. The explanation is recomputed at each perturbed input. Lower is better.
 */
export interface SensitivityOptions extends CommonMetricOptions {
  readonly metric: 'sensitivity';
  /** The explanation method (its `target` is replaced by this metric's). */
  readonly saliency: SaliencyOptions;
  /** Radius of the L∞ ball, in normalized input units. @defaultValue 0.02 (Captum) */
  readonly radius?: number;
  /** Perturbed inputs. @defaultValue 10 (Captum) */
  readonly samples?: number;
  /** `fro`: the Frobenius (L2) norm of the whole attribution; `inf`: its largest |value|. @defaultValue `'fro'` */
  readonly norm?: 'fro' | 'inf';
  /** Seed of the perturbations. @defaultValue 0 */
  readonly seed?: number;
  /** Use these perturbations δ_k instead of drawing them (Captum's `perturb_func`). */
  readonly perturbations?: readonly Tensor[];
  /** The explanation at the input, when already computed (saves one explanation). */
  readonly explanation?: SaliencyResult;
}

/**
 * How randomized weights are drawn: `reset` as PyTorch's `reset_parameters()` (weights and biases
 * uniform in ±1/√fan_in, normalization scale 1, bias 0, running mean 0, variance 1), `shuffle` as
 * a random permutation of each weight tensor's own values.
 */
export type RandomInit = 'reset' | 'shuffle';

/**
 * The models of a cascading randomization: the same model with its top k layers re-initialized.
 * `@fv/runtime`'s engines provide them (`engine.randomizedModels`, through `@fv/autodiff`'s
 * `randomizeLayers`); other engines get them as `RandomizationOptions.models`.
 */
export interface RandomizedModels {
  /** The model's parameterized layers, top (nearest the output) first. */
  readonly layers: readonly string[];
  /** An engine for the model with `layers[0 … count − 1]` randomized. The caller disposes it. */
  randomize(count: number): Promise<Engine>;
}

/**
 * Cascading model-parameter randomization (Adebayo et al., "Sanity Checks for Saliency Maps",
 * NeurIPS 2018): the explanation is recomputed on models with more and more layers re-initialized,
 * from the top, and compared with the original one. A method that explains the model should give
 * maps that decorrelate (toward 0) as the weights it depends on are destroyed.
 */
export interface RandomizationOptions extends CommonMetricOptions {
  readonly metric: 'randomization';
  /** The explanation method (its `target` is replaced by this metric's). */
  readonly saliency: SaliencyOptions;
  /**
   * The randomized models, for engines that run loops in place (an engine that hosts loops, as
   * `@fv/runtime`'s, randomizes its own: functions cannot cross to its worker).
   * @defaultValue the engine's own (`engine.randomizedModels`), drawn with `init` and `seed`
   */
  readonly models?: RandomizedModels;
  /** How the engine's randomized models draw weights. @defaultValue `'reset'` */
  readonly init?: RandomInit;
  /** Seed of the engine's randomized models. @defaultValue 0 */
  readonly seed?: number;
  /**
   * Cascade points to evaluate: numbers of top layers randomized, increasing, each in
   * 1 … layers.length. @defaultValue every layer (1, 2, …, layers.length)
   */
  readonly steps?: readonly number[];
  /**
   * Without `steps`: this many cascade points, evenly spread from the top layer alone to every
   * layer (both included). @defaultValue every layer
   */
  readonly points?: number;
  /** The explanation on the original model, when already computed. */
  readonly explanation?: SaliencyResult;
}

/** Options of {@link evaluate}: one of the metrics. */
export type MetricOptions =
  | DeletionOptions
  | InfidelityOptions
  | SensitivityOptions
  | RandomizationOptions;

/** The metric names of {@link evaluate}. */
export type MetricName = MetricOptions['metric'];

interface MetricResultBase {
  /** The class the metric was computed for (resolved when the target was `'top'`). */
  readonly target: number;
  readonly score: 'logit' | 'probability';
}

/** Result of deletion or insertion. */
export interface CurveResult extends MetricResultBase {
  readonly metric: 'deletion' | 'insertion';
  /** Fraction of the steps done at each point: 0, 1/n, …, 1. */
  readonly fractions: Float64Array;
  /** Score of the target after each step (the first: before any change). */
  readonly scores: Float64Array;
  /**
   * Normalized area under the curve: the trapezoid rule over x ∈ [0, 1],
   * (Σ s − (s₀ + sₙ) / 2) / n, as the authors' code.
   */
  readonly auc: number;
}

/** Result of infidelity. */
export interface InfidelityResult extends MetricResultBase {
  readonly metric: 'infidelity';
  readonly value: number;
  /** β when `normalize` (the attribution's least-squares scale); 1 otherwise. */
  readonly beta: number;
  readonly samples: number;
}

/** Result of max-sensitivity. */
export interface SensitivityResult extends MetricResultBase {
  readonly metric: 'sensitivity';
  /** max over the perturbations of the relative change. */
  readonly value: number;
  /** The relative change at each perturbation. */
  readonly sensitivities: Float64Array;
}

/** One point of the randomization cascade. */
export interface RandomizationStep {
  /** Number of top layers randomized. */
  readonly count: number;
  /** The lowest layer randomized at this point. */
  readonly layer: string;
  /** Spearman rank correlation of the absolute maps |S| (NaN when a map is constant). */
  readonly spearmanAbsolute: number;
  /** Spearman rank correlation of the signed maps S. */
  readonly spearmanSigned: number;
  /** SSIM of the absolute maps, each scaled to [0, 1] by its maximum. */
  readonly ssim: number;
  /** The signed map of the randomized model. */
  readonly map: Map2D;
}

/** Result of cascading randomization. */
export interface RandomizationResult extends MetricResultBase {
  readonly metric: 'randomization';
  /** The signed map of the original model. */
  readonly original: Map2D;
  readonly steps: readonly RandomizationStep[];
}

/** Result of {@link evaluate}. */
export type MetricResult = CurveResult | InfidelityResult | SensitivityResult | RandomizationResult;

/** The result of each metric, by name. */
export interface MetricResults {
  readonly deletion: CurveResult;
  readonly insertion: CurveResult;
  readonly infidelity: InfidelityResult;
  readonly sensitivity: SensitivityResult;
  readonly randomization: RandomizationResult;
}

/** The result type of the metric named in `O`. */
export type MetricResultOf<O extends MetricOptions> = MetricResults[O['metric']];
