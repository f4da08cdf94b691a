// Adam (Kingma & Ba 2015) in the form of TensorFlow 1's `tf.train.AdamOptimizer`, which Lucid
// uses: lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); θ ← θ − lr_t · m / (√v + ε).

/** Hyper-parameters of {@link createAdam}. */
export interface AdamOptions {
  /** @defaultValue `0.05` (Lucid's `render_vis`) */
  readonly learningRate?: number;
  /** @defaultValue `0.9` */
  readonly beta1?: number;
  /** @defaultValue `0.999` */
  readonly beta2?: number;
  /** @defaultValue `1e-8` */
  readonly epsilon?: number;
}

/** State of an Adam optimizer over one parameter vector. */
export interface Adam {
  /** Steps taken so far. */
  readonly t: number;
  /**
   * Applies one minimizing step to `params` in place, given the loss gradient `grad` (with
   * `ascend`, `grad` is the gradient of an objective to maximize: the loss is its negative).
   */
  step(params: Float32Array, grad: ArrayLike<number>, ascend?: boolean): void;
}

/** Creates an Adam optimizer for a parameter vector of length `size`. */
export function createAdam(size: number, options: AdamOptions = {}): Adam {
  const lr = options.learningRate ?? 0.05;
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-8;
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let t = 0;
  return {
    get t() {
      return t;
    },
    step(params, grad, ascend = false) {
      t++;
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const sign = ascend ? -1 : 1;
      for (let i = 0; i < size; i++) {
        const g = sign * (grad[i] as number);
        const mi = b1 * (m[i] as number) + (1 - b1) * g;
        const vi = b2 * (v[i] as number) + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = (params[i] as number) - (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    },
  };
}
