export type { GradientModel, GradientModelOptions } from './builder.js';
export { buildGradientModel } from './builder.js';
export type { ModelInspection } from './inspect.js';
export { inspectModel } from './inspect.js';
export type { GradientRegistry } from './registry.js';
export { createRegistry } from './registry.js';
export type { GradientRule, RuleContext } from './rule.js';
export { defaultRegistry, rules } from './rules/index.js';
export type { Dim, Shape } from './shapes.js';
