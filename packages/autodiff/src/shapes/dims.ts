// Dims and shapes. A dim is a number when known and a string otherwise: a symbol the model
// declares (`batch`), a product of symbols and a number (`3*batch`, see `mulDims`), or an unknown
// dim that shape inference made up, which starts with `?` (`?/Reshape_3:1`).
import { FvError } from '@fv/core';

export type Dim = number | string;
export type Shape = readonly Dim[];

export function isStatic(shape: Shape | undefined): shape is readonly number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

/** Whether a dim was made up by shape inference (nothing is known about it). */
export function isUnknownDim(d: Dim | null | undefined): boolean {
  return typeof d === 'string' && d.startsWith('?');
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function product(dims: readonly number[]): number {
  return dims.reduce((p, q) => p * q, 1);
}

/** A dim as a number coefficient times a sorted list of symbols (`3*batch` → 3, ['batch']). */
interface Monomial {
  readonly coef: number;
  readonly symbols: readonly string[];
}

function monomial(d: Dim): Monomial | undefined {
  if (typeof d === 'number') return { coef: d, symbols: [] };
  if (isUnknownDim(d) || /[()+/-]/.test(d)) return { coef: 1, symbols: [d] };
  let coef = 1;
  const symbols: string[] = [];
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) coef *= Number(part);
    else symbols.push(part);
  }
  return { coef, symbols: symbols.sort() };
}

function fromMonomial(m: Monomial): Dim {
  if (m.symbols.length === 0) return m.coef;
  if (m.coef === 0) return 0;
  return [...(m.coef === 1 ? [] : [String(m.coef)]), ...m.symbols].join('*');
}

/** Product of dims, symbolic when some are symbols (`mulDims(3, 'batch')` is `3*batch`). */
export function mulDims(dims: readonly Dim[]): Dim {
  let coef = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    const m = monomial(d)!;
    coef *= m.coef;
    symbols.push(...m.symbols);
  }
  return fromMonomial({ coef, symbols: symbols.sort() });
}

/**
 * `a / b` when it is exact: numbers that divide, or symbols of `b` that all appear in `a`
 * (`divDims('6*batch', 3)` is `2*batch`); `undefined` otherwise.
 */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const ma = monomial(a)!;
  const mb = monomial(b)!;
  if (mb.coef === 0 || ma.coef % mb.coef !== 0) return undefined;
  const rest = [...ma.symbols];
  for (const s of mb.symbols) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return fromMonomial({ coef: ma.coef / mb.coef, symbols: rest });
}

/** A symbolic sum, difference, quotient or remainder of two dims, or its value when both are numbers. */
export function dimArithmetic(op: '+' | '-' | '/' | '%' | 'max' | 'min', a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '/':
        return Math.floor(a / b);
      case '%':
        return a - b * Math.floor(a / b);
      case 'max':
        return Math.max(a, b);
      case 'min':
        return Math.min(a, b);
    }
  }
  if (op === '/') {
    const exact = divDims(a, b);
    if (exact !== undefined) return exact;
  }
  if ((op === '+' || op === '-') && b === 0) return a;
  if (op === '+' && a === 0) return b;
  if ((op === 'max' || op === 'min') && a === b) return a;
  return `(${a}${op === 'max' || op === 'min' ? ` ${op} ` : op}${b})`;
}

/** Numpy-style broadcast of two shapes; a symbol against a number takes the number. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === db) out.push(da);
    else if (typeof da === 'number' && typeof db === 'number') {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}]`,
      );
    } else if (typeof da === 'number') out.push(da);
    else if (typeof db === 'number') out.push(db);
    // Two different symbols: a declared one says more than one inference made up.
    else out.push(isUnknownDim(da) ? db : da);
  }
  return out;
}

/** What to do when a dim a gradient needs is not a number (every such error ends with it). */
export const SHAPE_HINT =
  'Give inputShapes for free input dims, and observedShapes for what static inference cannot tell (unresolvedShapes lists those tensors; @fv/runtime observes them in one forward run)';

/** `[a, b, c]` for messages. */
export function formatShape(shape: Shape | undefined): string {
  return shape ? `[${shape.join(', ')}]` : 'unknown';
}
