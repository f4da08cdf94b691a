import type { GradientRule } from '../rule.js';
import { type ResizeSpec, resizedShape, resizeGradient } from './resize-matrix.js';

/**
 * Y = upsample(X) (deprecated since opset 10): nearest or linear with asymmetric coordinates,
 * scales from the attribute (opset 7) or the constant input 1 (opset 9). dX = Rᵀ·dY per resized
 * axis with precomputed interpolation matrices, as for Resize (see resize-matrix.ts).
 */
export const Upsample: GradientRule = {
  opType: 'Upsample',
  nonDifferentiable: [1],
  shape: (ctx) => [resizedShape(ctx, 1)],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const raw = ctx.string('mode', 'nearest');
    const mode = raw === 'bilinear' ? 'linear' : raw;
    if (mode !== 'nearest' && mode !== 'linear')
      return ctx.unsupported(`mode '${raw}' is not supported`);
    const spec: ResizeSpec = {
      mode,
      coordinate: 'asymmetric',
      nearest: '',
      cubicA: -0.75,
      excludeOutside: false,
      extrapolate: false,
    };
    const attr = ctx.node.attribute.find((a) => a.name === 'scales')?.floats;
    const scales = attr?.length ? [...attr] : ctx.constValue(ctx.I(1))?.values;
    if (!scales) return ctx.unsupported(`the scales ('${ctx.I(1)}') must be constant`);
    ctx.setGI(0, resizeGradient(ctx, dY, spec, scales.map(Math.fround), undefined));
  },
};
