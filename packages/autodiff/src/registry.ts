import { FvError } from '@fv/core';
import type { GradientRule } from './rule.js';

/** An immutable set of gradient rules, one per op type. Per-call variations are new registries. */
export interface GradientRegistry {
  /** The rule of an op type in a domain (`''` or `'ai.onnx'` for the default domain). */
  get(opType: string, domain?: string): GradientRule | undefined;
  /**
   * Op types that have a backward pass, sorted; outside the default domain qualified by it
   * (`com.microsoft.FastGelu`).
   */
  readonly opTypes: readonly string[];
  /** Every rule, including those that only describe shapes (ops no gradient flows through). */
  readonly rules: readonly GradientRule[];
  /**
   * A new registry with these rules added or replacing existing ones. A replacement without
   * `shape`, `fold` or `carriesGradient` keeps those of the rule it replaces.
   */
  with(...rules: readonly GradientRule[]): GradientRegistry;
}

/** `opType` qualified by its domain outside the default one. */
export function qualifiedOpType(opType: string, domain = ''): string {
  const d = domain === 'ai.onnx' ? '' : domain;
  return d ? `${d}.${opType}` : opType;
}

const keyOf = (rule: GradientRule) => qualifiedOpType(rule.opType, rule.domain);

export function createRegistry(rules: readonly GradientRule[]): GradientRegistry {
  const map = new Map<string, GradientRule>();
  for (const rule of rules) {
    const key = keyOf(rule);
    if (map.has(key))
      throw new FvError('INVALID_ARGUMENT', `Two gradient rules for op type ${key}`);
    map.set(key, rule);
  }
  const all = Object.freeze([...map.values()]);
  const opTypes = Object.freeze(
    [...map.entries()]
      .filter(([, r]) => r.build)
      .map(([k]) => k)
      .sort(),
  );
  return Object.freeze({
    get: (opType: string, domain = '') => map.get(qualifiedOpType(opType, domain)),
    opTypes,
    rules: all,
    with: (...more: readonly GradientRule[]) => {
      const replaced = new Map(all.map((r) => [keyOf(r), r]));
      for (const r of more) {
        const old = replaced.get(keyOf(r));
        replaced.set(keyOf(r), {
          ...(old?.shape ? { shape: old.shape } : {}),
          ...(old?.fold ? { fold: old.fold } : {}),
          ...(old?.carriesGradient ? { carriesGradient: old.carriesGradient } : {}),
          ...r,
        });
      }
      return createRegistry([...replaced.values()]);
    },
  });
}

/** Whether a gradient flows through this node under `rule` (a rule with a backward pass). */
export function carriesGradient(
  rule: GradientRule | undefined,
  node: Parameters<NonNullable<GradientRule['carriesGradient']>>[0],
): boolean {
  if (!rule?.build) return false;
  return rule.carriesGradient ? rule.carriesGradient(node) : true;
}
