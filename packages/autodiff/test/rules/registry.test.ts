// The registry as a whole: every rule has a file named by its op type, a case table and a test
// file, and every op that any rule emits across all those cases has a kernel on onnxruntime-web's
// native WebGPU execution provider at the model's opset (so a gradient run never falls back to
// the CPU on WebGPU). That they run there, and that no backward node lands on the CPU, is checked
// in headless Chromium (test/e2e/autodiff-webgpu.test.ts).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultRegistry, rules } from '../../src/index.js';
import { WEBGPU_OPS } from '../../src/webgpu-ops.js';
import { addedOpTypes, buildCase, modelOpset } from '../helpers/rule-case.js';
import { ruleCases } from './cases/index.js';

const here = (path: string) => new URL(path, import.meta.url);

describe('gradient rule registry', () => {
  it('lists one rule per op type, sorted, each in src/rules/<OpType>.ts', () => {
    const names = rules.map((r) => r.opType);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
    for (const op of names) expect(existsSync(here(`../../src/rules/${op}.ts`)), op).toBe(true);
  });

  it('has a case table and a test file for every rule', () => {
    for (const qualified of defaultRegistry.opTypes) {
      const op = qualified.split('.').at(-1)!; // com.microsoft.FastGelu → FastGelu
      expect(ruleCases[op]?.length ?? 0, `cases for ${op}`).toBeGreaterThan(0);
      expect(existsSync(here(`./${op}.test.ts`)), `test/rules/${op}.test.ts`).toBe(true);
    }
  });

  it('emits only ops the native WebGPU provider runs, at the model opset', () => {
    const offending: string[] = [];
    const emitted = new Set<string>();
    for (const [op, cases] of Object.entries(ruleCases)) {
      for (const c of cases) {
        const gm = buildCase(c);
        const opset = modelOpset(c.model);
        for (const t of addedOpTypes(c.model, gm.bytes)) {
          emitted.add(t);
          const since = WEBGPU_OPS[t];
          if (since === undefined || since > opset)
            offending.push(`${op} / ${c.name}: ${t} at opset ${opset}`);
        }
      }
    }
    expect(offending).toEqual([]);
    // The scan saw the ops the rules are built from (a guard against an empty scan).
    for (const t of ['Conv', 'ConvTranspose', 'MatMul', 'Where', 'Slice', 'Pad', 'ReduceSum'])
      expect(emitted).toContain(t);
  });
});
