import type { GradientRule, ShapeContext } from '../rule.js';
import type { Dim, Shape } from '../shapes/dims.js';

/** An Einsum equation with its ellipses spelled out as letters, one term per operand. */
interface Equation {
  readonly inputs: string[];
  readonly output: string;
}

/**
 * Parses `equation` for operands of the given ranks: `...` becomes upper-case letters (the
 * broadcast dims, right-aligned), an implicit output is the letters used once, in order.
 */
export function parseEinsum(equation: string, ranks: readonly number[]): Equation | undefined {
  const [lhs, rhs] = equation.replace(/\s+/g, '').split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) return undefined;
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const spare = [...letters].filter((c) => !equation.includes(c)).join('');
  const ellipsisRank = Math.max(
    0,
    ...terms.map((t, i) => (t.includes('...') ? ranks[i]! - t.replace('...', '').length : 0)),
  );
  const spell = (t: string, rank: number) =>
    t.replace(
      '...',
      spare.slice(ellipsisRank - (rank - t.replace('...', '').length), ellipsisRank),
    );
  const inputs = terms.map((t, i) => (t.includes('...') ? spell(t, ranks[i]!) : t));
  if (inputs.some((t, i) => t.length !== ranks[i])) return undefined;
  let output: string;
  if (rhs !== undefined) {
    output = rhs.replace('...', spare.slice(0, ellipsisRank));
  } else {
    const all = inputs.join('');
    const once = [...new Set(all)].filter((c) => all.indexOf(c) === all.lastIndexOf(c));
    output =
      spare.slice(0, ellipsisRank) +
      once
        .filter((c) => !spare.includes(c))
        .sort()
        .join('');
  }
  return { inputs, output };
}

/** Output dims of an Einsum: each output letter's size from the operands (broadcast 1s skipped). */
function einsumShape(ctx: ShapeContext): (Dim[] | undefined)[] {
  const shapes = ctx.node.input.map((_, i) => ctx.input(i));
  if (shapes.some((s) => !s)) return [];
  const eq = parseEinsum(
    ctx.string('equation', ''),
    shapes.map((s) => s!.length),
  );
  if (!eq) return [];
  const size = new Map<string, Dim>();
  eq.inputs.forEach((t, i) => {
    [...t].forEach((c, k) => {
      const d = (shapes[i] as Shape)[k]!;
      if (!size.has(c) || size.get(c) === 1) size.set(c, d);
    });
  });
  return [[...eq.output].map((c) => size.get(c)!)];
}

/**
 * Y = einsum(equation, X₀, X₁, …). The gradient of operand k is again an einsum, of dY with the
 * other operands onto operand k's term: dXₖ = einsum("out,others→termₖ"); letters that only
 * operand k carries (summed within it) are restored by broadcasting. Terms that repeat a letter
 * (diagonals) and letters broadcast from size 1 against a larger size are refused.
 */
export const Einsum: GradientRule = {
  opType: 'Einsum',
  opsets: [12, Number.POSITIVE_INFINITY],
  shape: einsumShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    const shapes = ctx.node.input.map((name) => ctx.symbolicShape(name));
    const eq = parseEinsum(
      ctx.string('equation', ''),
      shapes.map((s) => s.length),
    );
    if (!eq) return ctx.unsupported(`cannot read the equation '${ctx.string('equation', '')}'`);
    if (eq.inputs.some((t) => new Set(t).size !== t.length))
      return ctx.unsupported('terms that repeat a letter (diagonals) are not supported');
    const sizes = new Map<string, Dim[]>();
    eq.inputs.forEach((t, i) => {
      [...t].forEach((c, k) => {
        sizes.set(c, [...(sizes.get(c) ?? []), shapes[i]![k]!]);
      });
    });
    for (const [c, ds] of sizes) {
      if (ds.includes(1) && ds.some((d) => d !== 1))
        return ctx.unsupported(`letter '${c}' is broadcast from size 1`);
    }
    eq.inputs.forEach((term, k) => {
      if (!ctx.needsGI(k)) return;
      const others = eq.inputs.filter((_, j) => j !== k);
      const available = new Set(eq.output + others.join(''));
      const kept = [...term].filter((c) => available.has(c)).join('');
      const operands = [dY, ...ctx.node.input.filter((_, j) => j !== k)];
      const equation = `${[eq.output, ...others].join(',')}->${kept}`;
      let g = ctx.op('Einsum', operands, { equation: { string: equation } });
      if (kept.length < term.length) {
        // Letters only operand k carries: size 1 there, then broadcast to operand k's shape.
        const lonely = [...term].flatMap((c, a) => (available.has(c) ? [] : [a]));
        g = ctx.unsqueeze(g, lonely);
        const s = shapes[k]!;
        const target = s.every((d) => typeof d === 'number')
          ? ctx.constInt64(s as number[])
          : ctx.op('Shape', [ctx.I(k)]);
        g = ctx.op('Expand', [g, target]);
      }
      ctx.setGI(k, g);
    });
  },
};
