import type { ImageToTensorOptions } from '../image/convert.js';
import type { CropRegion, Map2D } from '../image/map.js';
import type { LoopOptions, LoopProgress } from '../loop/run.js';
import type { Tensor } from '../tensor.js';

/** A frame of a saliency computation: `step` of `totalSteps` engine calls (batches) done. */
export type SaliencyFrame = LoopProgress;

/** Options every saliency method takes. */
export interface CommonSaliencyOptions extends LoopOptions {
  /** Class to explain: an index into the logits, or `'top'` for the highest-scoring class. */
  readonly target: number | 'top';
  /**
   * What is differentiated: the pre-softmax `logit` of the class (the paper definition), or its
   * post-softmax `probability` p = softmax(z)[c]. For `probability` a forward pass gives the
   * logits z, then the gradient is seeded with ∂p/∂z = p · (e_c − softmax(z)), which by the
   * chain rule yields ∂p/∂input. @defaultValue `'logit'`
   */
  readonly score?: 'logit' | 'probability';
  /**
   * Most samples (noisy copies, path points, occluded or masked images) sent to the engine at
   * once, and so held in memory at once. Only used when the model input has a free batch
   * dimension; otherwise 1. @defaultValue about 4 M floats' worth (`⌊2²² / input size⌋`, 1..32)
   */
  readonly batchSize?: number;
  /** How an {@link ImageLike} is fitted to the model input. @defaultValue stretch */
  readonly preprocess?: ImageToTensorOptions;
}

/** The plain gradient |∂score/∂input| (Simonyan et al. 2014). */
export interface VanillaOptions extends CommonSaliencyOptions {
  readonly method: 'vanilla';
}

/** Gradient ⊙ input (Shrikumar et al. 2016). */
export interface GradientXInputOptions extends CommonSaliencyOptions {
  readonly method: 'gradient-x-input';
}

/** SmoothGrad (Smilkov et al. 2017): gradients averaged over noisy copies of the input. */
export interface SmoothGradOptions extends CommonSaliencyOptions {
  readonly method: 'smoothgrad';
  /** Noisy copies. @defaultValue 50 */
  readonly samples?: number;
  /**
   * Noise standard deviation as a fraction of the input's range (max − min of the input tensor),
   * as in the paper. @defaultValue 0.15
   */
  readonly sigma?: number;
  /**
   * `mean`: SmoothGrad, the mean gradient; `squared`: SmoothGrad², the mean of squared gradients;
   * `variance`: VarGrad, the (population) variance of the gradients. @defaultValue `'mean'`
   */
  readonly variant?: 'mean' | 'squared' | 'variance';
  /** Seed of the noise. @defaultValue 0 */
  readonly seed?: number;
}

/** Baselines of integrated gradients. */
/**
 * A reference input (integrated gradients' path start, what deletion removes pixels to):
 * `black` (pixel value 0 in every channel, normalized like the input), `uniform` (seeded uniform
 * noise over the model's value range), `blurred` (the input blurred with a Gaussian), `mean` (the
 * input's mean per channel), or a tensor shaped like the input.
 */
export type Baseline = 'black' | 'uniform' | 'blurred' | 'mean' | Tensor;

/** Integrated gradients (Sundararajan et al. 2017). */
export interface IntegratedGradientsOptions extends CommonSaliencyOptions {
  readonly method: 'integrated-gradients';
  /**
   * `black`: pixel value 0 in every channel, normalized like the input; `uniform`: uniform noise
   * over the model's value range (seeded); `blurred`: the input blurred with a Gaussian of
   * `blurSigma` pixels; `mean`: the input's mean per channel; or a custom tensor shaped like the
   * input. @defaultValue `'black'`
   */
  readonly baseline?: Baseline;
  /** Intervals m of the path integral. @defaultValue 50 */
  readonly steps?: number;
  /**
   * Quadrature: Riemann sums at the left ends (α = k/m, k = 0..m−1), right ends (k = 1..m, the
   * paper's formula) or midpoints, or the trapezoid rule (m + 1 points). @defaultValue `'riemann-right'`
   */
  readonly rule?: 'riemann-left' | 'riemann-right' | 'riemann-middle' | 'trapezoid';
  /** Gaussian standard deviation in pixels of the `blurred` baseline. @defaultValue max(H, W) / 16 */
  readonly blurSigma?: number;
  /** Seed of the `uniform` baseline. @defaultValue 0 */
  readonly seed?: number;
}

/** Guided backpropagation (Springenberg et al. 2015) or DeconvNet (Zeiler & Fergus 2014). */
export interface ModifiedReluOptions extends CommonSaliencyOptions {
  readonly method: 'guided-backprop' | 'deconvnet';
}

/** Options of the class activation map methods. */
export interface CamLayerOptions {
  /**
   * Name of the layer: any intermediate tensor seen as channels over a grid — an NCHW feature
   * map, a channels-last one (Swin), or a vision transformer's tokens, reshaped to the patch grid
   * with the class and distillation tokens dropped (`engine.info.layers[].layout` says which).
   * @defaultValue for a vision transformer with attention over its image tokens, the input of
   * its last attention block (the LayerNorm before it, pytorch-grad-cam's `blocks[-1].norm1`);
   * otherwise the last differentiable layer whose grid is larger than 1×1
   */
  readonly layer?: string;
  /** Keep only positive evidence, as the papers do. @defaultValue true */
  readonly relu?: boolean;
}

/** Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhay et al. 2018). */
export interface GradCamOptions extends CommonSaliencyOptions, CamLayerOptions {
  readonly method: 'grad-cam' | 'grad-cam++';
}

/** Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation ⊙ upsampled Grad-CAM. */
export interface GuidedGradCamOptions extends CommonSaliencyOptions, CamLayerOptions {
  readonly method: 'guided-grad-cam';
}

/** Score-CAM (Wang et al. 2020): forward passes only. */
export interface ScoreCamOptions extends CommonSaliencyOptions, CamLayerOptions {
  readonly method: 'score-cam';
  /** Use only the channels with the highest mean activation. @defaultValue all channels */
  readonly maxChannels?: number;
}

/**
 * Which token's attention row explains the output: the `class` token (ViT, DeiT), the
 * `distillation` token (DeiT), or the `mean` of every token's row (models that pool the tokens).
 */
export type AttentionToken = 'class' | 'distillation' | 'mean';

/** Options of the methods that read a vision transformer's attention. */
export interface AttentionOptions {
  /**
   * The attention-probability tensors (Softmax outputs), in block order. @defaultValue every one
   * the model has (`engine.info.attention`, found by `@fv/autodiff`'s `inspectModel`)
   */
  readonly attention?: readonly string[];
  /** @defaultValue `'class'` when the tokens start with a class token, else `'mean'` */
  readonly token?: AttentionToken;
}

/**
 * Attention rollout (Abnar & Zuidema 2020): Π over blocks of (fused attention + I) / 2, rows
 * renormalized; the explained token's row over the patch tokens. Class-independent: it shows
 * where information flows, not what speaks for the target.
 */
export interface AttentionRolloutOptions extends CommonSaliencyOptions, AttentionOptions {
  readonly method: 'attention-rollout';
  /** How the heads of a block are combined. @defaultValue `'mean'` */
  readonly headFusion?: 'mean' | 'max' | 'min';
  /**
   * Share of each block's fused attention entries, the smallest, set to 0 before the identity is
   * added (jacobgil/vit-explain's `discard_ratio`; the class token's attention to itself is
   * kept). @defaultValue 0
   */
  readonly discardRatio?: number;
}

/**
 * Transformer attribution (Chefer, Gur & Wolf 2021, the generic rule of their ICCV paper): per
 * block Ā = mean over heads of (∂score/∂A ⊙ A)⁺, R ← R + Ā · R from R = I; the explained token's
 * row over the patch tokens. Class-specific.
 */
export interface TransformerAttributionOptions extends CommonSaliencyOptions, AttentionOptions {
  readonly method: 'transformer-attribution';
}

/** Occlusion (Zeiler & Fergus 2014): forward passes only, no gradient rules needed. */
export interface OcclusionOptions extends CommonSaliencyOptions {
  readonly method: 'occlusion';
  /** Side of the square occluding window, in input pixels. @defaultValue ⌈min(H, W) / 8⌉ */
  readonly window?: number;
  /**
   * Step between windows; they start at k · stride up to ⌈(size − window) / stride⌉ · stride, and a
   * last window running past the edge is cut there (Captum's placement). @defaultValue ⌈window / 2⌉
   */
  readonly stride?: number;
  /**
   * Value written into the window, in normalized input units, or `'black'` (pixel 0 normalized
   * per channel). @defaultValue `'black'`
   */
  readonly baseline?: number | 'black';
}

/**
 * RISE (Petsiuk, Das & Saenko, BMVC 2018): the score of the input multiplied by random smooth
 * masks, averaged per pixel over the masks that keep it. Forward passes only, so it works on any
 * model, also where a gradient rule is missing. Each mask is a random binary `cells` × `cells`
 * grid (each cell kept with probability `keep`), upsampled bilinearly to (cells + 1) · ⌈size /
 * cells⌉ pixels and cropped at a random shift, as the authors' code; the map is
 * Σ_i score_i · mask_i / (N · keep). The masks multiply the normalized input (masked pixels go to
 * 0 in model units, as the authors do). `score` defaults to `'probability'`, the paper's.
 */
export interface RiseOptions extends CommonSaliencyOptions {
  readonly method: 'rise';
  /** Number of masks N. @defaultValue 4000 (the paper: 4000 for VGG16, 8000 for ResNet-50) */
  readonly masks?: number;
  /** Grid cells per side s. @defaultValue 7 */
  readonly cells?: number;
  /** Probability p that a grid cell is kept. @defaultValue 0.5 */
  readonly keep?: number;
  /** Seed of the masks. @defaultValue 0 */
  readonly seed?: number;
}

/**
 * The control for evaluating explanations: i.i.d. uniform noise in [0, 1) per pixel (seeded),
 * independent of the model and of the input. Every faithful method should beat it on deletion,
 * insertion and infidelity; it is perfectly stable under input perturbation (sensitivity 0) and
 * fails the randomization check (its map does not change when the model does).
 */
export interface RandomOptions extends CommonSaliencyOptions {
  readonly method: 'random';
  /** @defaultValue 0 */
  readonly seed?: number;
}

/** Options of {@link saliency}: one of the methods. */
export type SaliencyOptions =
  | VanillaOptions
  | GradientXInputOptions
  | SmoothGradOptions
  | IntegratedGradientsOptions
  | ModifiedReluOptions
  | GradCamOptions
  | GuidedGradCamOptions
  | ScoreCamOptions
  | OcclusionOptions
  | RiseOptions
  | RandomOptions
  | AttentionRolloutOptions
  | TransformerAttributionOptions;

/** The saliency method names. */
export type SaliencyMethod = SaliencyOptions['method'];

/** Integrated gradients' completeness check: the gap is 0 for an exact path integral. */
export interface Completeness {
  /** Σ attribution. */
  readonly attributionSum: number;
  readonly scoreAtInput: number;
  readonly scoreAtBaseline: number;
  /** Σ attribution − (f(x) − f(baseline)). */
  readonly gap: number;
}

/** Result of {@link saliency}. All maps are at the model's input size. */
export interface SaliencyResult {
  readonly method: SaliencyMethod;
  /** The explained class (resolved when the target was `'top'`). */
  readonly target: number;
  /** The score (logit or probability) of the target at the input. */
  readonly score: number;
  /**
   * The signed saliency map S: at each pixel the attribution of the channel with the largest
   * magnitude, so |S| = M = max over channels of |attribution|, M⁺ = max(S, 0), M⁻ = −min(S, 0)
   * and M = M⁺ + M⁻ exactly. `@fv/viz` draws any of the parts (its `sign` option).
   */
  readonly map: Map2D;
  /**
   * Per-element attribution the maps are reduced from, shaped like the input (one channel for
   * Grad-CAM, Score-CAM, occlusion, RISE, random and the transformer methods): the gradient for
   * `vanilla`, gradient ⊙ input, the averaged gradients, the integrated gradients, the guided gradient ⊙ CAM, the upsampled CAM, …
   */
  readonly attribution: Tensor;
  /** Raw ∂score/∂input at the input, for the methods that compute it (modified for guided/deconvnet). */
  readonly gradient?: Tensor;
  /** The model input the maps refer to (after preprocessing). */
  readonly input: Tensor;
  /** Where the input came from in the original image, for `mapToSource`. */
  readonly crop?: CropRegion;
  /**
   * CAM methods: the layer used; the transformer methods: the last attention tensor. With the map
   * at that layer's resolution (the patch grid for tokens).
   */
  readonly layer?: string;
  readonly cam?: Map2D;
  /** Transformer methods: the attention tensors read, in block order. */
  readonly attention?: readonly string[];
  /** Integrated gradients only. */
  readonly completeness?: Completeness;
}
