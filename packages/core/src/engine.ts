import type { AbortSignalLike } from './abort.js';
import type { AttentionMap, ImageLayout } from './feature-map.js';
import type { LoopFrame, LoopRequest, LoopResult } from './loop/registry.js';
import type { LoopControl, LoopRun } from './loop/run.js';
import type { RandomInit, RandomizedModels } from './metrics/types.js';
import type { Objective, ReluMode } from './objective.js';
import type { ModelConfig } from './preprocess/config.js';
import type { Tensor } from './tensor.js';

/** Element type and shape of a model input or output; `null` or a string marks a free dimension. */
export interface TensorInfo {
  readonly name: string;
  readonly type: string;
  readonly dims: readonly (number | string | null)[];
}

/** One intermediate tensor of the model, as `@fv/autodiff`'s `inspectModel` reports it. */
export interface LayerInfo {
  readonly name: string;
  /** ONNX op type of the node that produces it. */
  readonly opType: string;
  /** Static shape when shape inference could tell it. */
  readonly dims: readonly (number | string | null)[] | null;
  /** Whether a gradient can flow from this tensor back to the model input. */
  readonly differentiable: boolean;
  /**
   * Where its values sit on the image (a feature-map grid or a sequence of patch tokens), when
   * the graph tells; Grad-CAM, Score-CAM and unit objectives read layers through it.
   */
  readonly layout?: ImageLayout;
}

/** What an engine knows about its model and itself. */
export interface EngineInfo {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly layers: readonly LayerInfo[];
  /**
   * The attention probabilities (Softmax outputs of attention blocks) in graph order, for the
   * transformer methods (`attention-rollout`, `transformer-attribution`). @defaultValue none
   */
  readonly attention?: readonly AttentionMap[];
  /**
   * The model's own preprocessing and labels (from a model folder's `config.json` and
   * `preprocessor_config.json`): every function that takes a {@link ModelConfig} starts from
   * it, and the config passed in wins field by field. @defaultValue none
   */
  readonly config?: ModelConfig;
  /**
   * Backend actually in use: onnxruntime-web's `webgpu` or `wasm`, onnxruntime-node's CPU provider
   * (`native`, in Node), or a plain TypeScript model (`analytic`, in tests).
   */
  readonly backend: 'native' | 'webgpu' | 'wasm' | 'analytic';
  /** Why that backend was chosen (for example why WebGPU was not used). */
  readonly backendReason?: string;
}

/** Options of {@link Engine.forward}. */
export interface ForwardOptions {
  /** Tensors to return; any intermediate tensor name works. @defaultValue the model outputs */
  readonly outputs?: readonly string[];
  readonly signal?: AbortSignalLike;
}

/** Options of {@link Engine.gradient}. */
export interface GradientOptions {
  /** Tensors to differentiate with respect to. @defaultValue the model's single input */
  readonly wrt?: readonly string[];
  /** Forward tensors to return alongside the gradient (for example activations for Grad-CAM). */
  readonly keep?: readonly string[];
  /** @defaultValue `'standard'` */
  readonly relu?: ReluMode;
  /**
   * For `logit` objectives: a class index (one-hot seed) or a full seed tensor shaped like the
   * output. @defaultValue required for `logit` objectives
   */
  readonly seed?: number | Tensor;
  readonly signal?: AbortSignalLike;
}

/** Result of {@link Engine.gradient}. */
export interface GradientResult {
  /** Value of the objective. */
  readonly value: number;
  /** Gradient per `wrt` tensor name. */
  readonly gradients: Readonly<Record<string, Tensor>>;
  /** Forward values of the `keep` tensors. */
  readonly kept: Readonly<Record<string, Tensor>>;
}

/**
 * The contract between fv's pure code (saliency, dreams) and whatever runs the model.
 * `@fv/runtime` implements it with onnxruntime-web; tests implement it with analytic models.
 */
export interface Engine {
  readonly info: EngineInfo;
  forward(input: Tensor, options?: ForwardOptions): Promise<Record<string, Tensor>>;
  gradient(input: Tensor, objective: Objective, options?: GradientOptions): Promise<GradientResult>;
  dispose(): Promise<void>;
  /**
   * Optional: runs a whole loop (saliency, a dream, a visualization; see `LoopKind`) next to the
   * model and streams its frames back. Core's loop functions hand their request here when an
   * engine has it (@fv/runtime's worker engine does); other engines run loops in place.
   */
  run?(request: LoopRequest, control?: LoopControl): LoopRun<LoopFrame, LoopResult>;
  /**
   * Optional: this engine's model with its top layers re-initialized, for the cascading
   * randomization sanity check (`evaluate` with `metric: 'randomization'`). @fv/runtime's engines
   * implement it in their worker (with @fv/autodiff's `randomizeLayers`); other engines get the
   * models in the metric's options.
   */
  randomizedModels?(options?: {
    readonly init?: RandomInit;
    readonly seed?: number;
  }): RandomizedModels;
}
