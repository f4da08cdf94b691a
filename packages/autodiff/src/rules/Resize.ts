import type { GradientRule } from '../rule.js';
import { type ResizeSpec, resizedShape, resizeGradient } from './resize-matrix.js';

/**
 * Y = resize(X): nearest, linear or cubic, every coordinate_transformation_mode (including
 * tf_crop_and_resize with a constant roi, whose extrapolated outputs get no gradient). Each
 * resized axis is a linear map Y = R·X with R precomputed from the static shapes, exactly as
 * onnxruntime samples; dX = Rᵀ·dY per axis, two MatMuls for the usual H and W
 * (see resize-matrix.ts). antialias, keep_aspect_ratio_policy other than stretch and the axes
 * attribute are refused.
 */
export const Resize: GradientRule = {
  opType: 'Resize',
  nonDifferentiable: [1, 2, 3],
  shape: (ctx) => [resizedShape(ctx, ctx.opset < 11 ? 1 : 2, 3)],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.int('antialias', 0) !== 0) ctx.unsupported('antialias is not supported');
    if (ctx.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch')
      ctx.unsupported('keep_aspect_ratio_policy other than stretch is not supported');
    if (ctx.ints('axes')) ctx.unsupported('the axes attribute is not supported');
    const xs = ctx.symbolicShape(ctx.I(0));
    const ys = ctx.symbolicShape(ctx.O(0));
    const legacy = ctx.opset < 11;
    const mode = ctx.string('mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic')
      return ctx.unsupported(`mode '${mode}' is not supported`);
    const coordinate = legacy
      ? 'asymmetric'
      : ctx.string('coordinate_transformation_mode', 'half_pixel');
    const spec: ResizeSpec = {
      mode,
      coordinate,
      nearest: legacy || mode !== 'nearest' ? '' : ctx.string('nearest_mode', 'round_prefer_floor'),
      cubicA: ctx.float('cubic_coeff_a', -0.75),
      excludeOutside: ctx.int('exclude_outside', 0) === 1,
      extrapolate: coordinate === 'tf_crop_and_resize',
    };
    const constant = (i: number): readonly number[] | undefined => {
      const name = ctx.I(i);
      if (!name) return undefined;
      const v = ctx.constValue(name);
      if (!v) return ctx.unsupported(`input ${i} ('${name}') must be constant`);
      return v.values.length ? v.values : undefined;
    };
    const given = constant(legacy ? 1 : 2);
    // With sizes, scale = out/in (1 on a free dim that sizes leave alone).
    const scales = given
      ? given.map(Math.fround)
      : xs.map((d, i) => {
          const o = ys[i]!;
          if (typeof d !== 'number' || typeof o !== 'number') {
            if (d === o) return 1;
            ctx.shape(ctx.I(0));
          }
          return Math.fround((o as number) / (d as number));
        });
    const roi = spec.extrapolate ? constant(1) : undefined;
    ctx.setGI(0, resizeGradient(ctx, dY, spec, scales, roi));
  },
};
