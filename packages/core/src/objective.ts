/**
 * What a gradient is taken of. Objectives are compiled into the gradient graph by `@fv/autodiff`,
 * so one run of the gradient model gives the objective's value and its gradient.
 */
export type Objective =
  | LogitObjective
  | LayerObjective
  | ChannelObjective
  | NeuronObjective
  | SumObjective;

/**
 * value = Σ seed · output. The seed (for example one-hot for class k) is an input fed at run time,
 * so changing the class never rebuilds the gradient model.
 */
export interface LogitObjective {
  readonly kind: 'logit';
  /** Name of the model output (or any float tensor) the seed is applied to, for example `logits`. */
  readonly output: string;
}

/** Deep Dream objective on a whole tensor. */
export interface LayerObjective {
  readonly kind: 'layer';
  /** Name of the tensor, as listed by `inspectModel`. */
  readonly tensor: string;
  /**
   * `mean-square`: mean of a² (the original DeepDream "L2" objective); `mean`: mean of a.
   * @defaultValue `'mean-square'`
   */
  readonly reduce?: 'mean-square' | 'mean';
}

/**
 * Mean over all spatial positions of one channel (unit visualization). The channel axis follows
 * the tensor's place on the image (`LayerInfo.layout`): axis 1 of an NCHW feature map, the last
 * axis of a channels-last map (Swin) or of a token sequence [N, tokens, hidden] (vision
 * transformers, where the mean runs over the patch tokens, class and distillation tokens left out);
 * axis 1 of a [N, C] vector.
 */
export interface ChannelObjective {
  readonly kind: 'channel';
  readonly tensor: string;
  /** Channel index, 0-based. */
  readonly channel: number;
}

/**
 * One unit: a single channel at a single spatial position (row and column of the feature map's
 * grid, or of the patch grid of a token sequence; see {@link ChannelObjective} for the axes).
 */
export interface NeuronObjective {
  readonly kind: 'neuron';
  readonly tensor: string;
  readonly channel: number;
  /** Row. @defaultValue the centre row, `floor(H / 2)` */
  readonly y?: number;
  /** Column. @defaultValue the centre column, `floor(W / 2)` */
  readonly x?: number;
}

/** Weighted sum of objectives (Lucid-style objective arithmetic). */
export interface SumObjective {
  readonly kind: 'sum';
  readonly terms: readonly { readonly weight: number; readonly objective: Objective }[];
}

/**
 * How Relu-like ops pass gradients back.
 * - `standard`: the true gradient.
 * - `guided`: guided backpropagation (Springenberg et al. 2015): only positive gradients through
 *   units that were active.
 * - `deconvnet`: Zeiler & Fergus 2014: positive gradients pass whatever the forward activation.
 * - `redirected`: Lucid's redirected ReLU gradient (`lucid/misc/redirected_relu_grad.py`), for
 *   starting feature visualizations of units that do not fire: where a Relu or Clip (ReLU6)
 *   blocks the whole gradient of a batch item, the gradient that pushes its inputs back into the
 *   active range passes (below the lower bound the positive part, above the upper bound the
 *   negative part); everywhere else it is the true gradient.
 */
export type ReluMode = 'standard' | 'guided' | 'deconvnet' | 'redirected';
