import { FvError } from '@fv/core';
import type { GradientRule } from './rule.js';

/** An immutable set of gradient rules, one per op type. Per-call variations are new registries. */
export interface GradientRegistry {
  get(opType: string): GradientRule | undefined;
  readonly opTypes: readonly string[];
  /** A new registry with these rules added or replacing existing ones. */
  with(...rules: readonly GradientRule[]): GradientRegistry;
}

export function createRegistry(rules: readonly GradientRule[]): GradientRegistry {
  const map = new Map<string, GradientRule>();
  for (const rule of rules) {
    if (map.has(rule.opType)) {
      throw new FvError('INVALID_ARGUMENT', `Two gradient rules for op type ${rule.opType}`);
    }
    map.set(rule.opType, rule);
  }
  const opTypes = Object.freeze([...map.keys()].sort());
  return Object.freeze({
    get: (opType: string) => map.get(opType),
    opTypes,
    with: (...more: readonly GradientRule[]) =>
      createRegistry([
        ...[...map.values()].filter((r) => !more.some((m) => m.opType === r.opType)),
        ...more,
      ]),
  });
}
