import type { GradientRule, RuleContext } from '../rule.js';
import { broadcastShapes, type Dim } from '../shapes/dims.js';

function transposeLast2(ctx: RuleContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return ctx.op('Transpose', [x], { perm: { ints: perm } });
}

/**
 * Y = A @ B (numpy semantics, batched). dA = dY @ Bᵀ, dB = Aᵀ @ dY, summed over broadcast
 * batch dims. 1-D operands are promoted to matrices and the added axis removed again.
 */
export const MatMul: GradientRule = {
  opType: 'MatMul',
  shape(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (!a || !b) return [];
    const a2 = a.length === 1 ? [1, a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, 1] : b;
    const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
    const out: Dim[] = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
    if (a.length === 1) out.splice(out.length - 2, 1);
    if (b.length === 1) out.splice(out.length - 1, 1);
    return [out];
  },
  build(ctx) {
    const dY0 = ctx.GO(0);
    if (!dY0) return;
    const a = ctx.symbolicShape(ctx.I(0));
    const b = ctx.symbolicShape(ctx.I(1));
    if (a.length < 2 || b.length < 2) ctx.unsupported('1-D operands are not supported');
    const y = ctx.symbolicShape(ctx.O(0));
    if (ctx.needsGI(0)) {
      const g = ctx.op('MatMul', [dY0, transposeLast2(ctx, ctx.I(1), b.length)]);
      const gShape = [...y.slice(0, -2), a[a.length - 2]!, a[a.length - 1]!];
      ctx.setGI(0, ctx.sumToShape(g, gShape, a));
    }
    if (ctx.needsGI(1)) {
      const g = ctx.op('MatMul', [transposeLast2(ctx, ctx.I(0), a.length), dY0]);
      const gShape = [...y.slice(0, -2), b[b.length - 2]!, b[b.length - 1]!];
      ctx.setGI(1, ctx.sumToShape(g, gShape, b));
    }
  },
};
