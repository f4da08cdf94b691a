// `fv inspect MODEL`: inputs, outputs, layers with shapes and op types, ops without gradient rules,
// a model folder's files and what they said, a vision transformer's tokens and attention;
// `--write-config` writes the sidecar `MODEL.fv.json`.
import { resolveModelConfig } from '@fv/core';
import { writeFileAtomic } from '../files.js';
import { loadModel, type ModelFlags, sidecarPaths, staticInfo } from '../model.js';
import { printJson, println } from '../output.js';

export interface InspectOptions extends ModelFlags {
  readonly json?: boolean;
  /** `true`: next to the model; a string: that path. */
  readonly writeConfig?: boolean | string;
}

const dimsText = (dims: readonly (number | string | null)[] | null): string =>
  dims ? `[${dims.map((d) => d ?? '?').join(', ')}]` : '[?]';

export async function inspect(modelPath: string, options: InspectOptions): Promise<void> {
  const model = await loadModel(modelPath, options);
  const { inspection } = model;
  const info = staticInfo(inspection);
  let config: ReturnType<typeof resolveModelConfig> | undefined;
  let configError: string | undefined;
  try {
    config = resolveModelConfig(info, model.config);
  } catch (error) {
    configError = (error as Error).message;
  }
  let written: string | undefined;
  if (options.writeConfig) {
    if (!config) throw new Error(`Cannot write a config: ${configError}`);
    written =
      typeof options.writeConfig === 'string' ? options.writeConfig : sidecarPaths(modelPath)[0]!;
    const { valueRange: _range, ...sidecar } = config;
    writeFileAtomic(written, `${JSON.stringify(sidecar, null, 2)}\n`);
  }
  if (options.json) {
    printJson({
      model: modelPath,
      bytes: model.bytes.length,
      opset: inspection.opset,
      irVersion: inspection.irVersion,
      inputs: inspection.inputs,
      outputs: inspection.outputs,
      layers: inspection.layers,
      unsupportedOps: inspection.unsupportedOps,
      metadata: inspection.metadata,
      ...(model.folder
        ? {
            folder: {
              files: model.folder.files,
              dtype: model.folder.dtype,
              preprocessing: model.folder.steps,
              notes: model.folder.notes,
            },
          }
        : {}),
      tokens: inspection.tokens,
      attention: inspection.attention,
      config: config ?? null,
      ...(configError ? { configError } : {}),
      sidecar: model.sidecar ?? null,
      ...(written ? { wroteConfig: written } : {}),
    });
    return;
  }
  println(
    `${modelPath}: ${(model.bytes.length / 1024).toFixed(0)} KiB, opset ${inspection.opset}, IR ${inspection.irVersion}`,
  );
  if (model.folder) {
    const { files, dtype, steps, notes } = model.folder;
    println(`folder  ${files.model} (dtype ${dtype}), ${files.config}, ${files.preprocessor}`);
    println(`        preprocessing: ${steps.join(', ')}`);
    for (const note of notes) println(`        note: ${note}`);
  }
  for (const i of inspection.inputs) println(`input   ${i.name}  ${i.type} ${dimsText(i.dims)}`);
  for (const o of inspection.outputs) println(`output  ${o.name}  ${o.type} ${dimsText(o.dims)}`);
  if (config) {
    const labels = config.labels ? `, ${config.labels.length} labels` : ', no labels';
    println(
      `config  ${config.width}×${config.height} ${config.layout} ${config.colorOrder}, scale ${+config.scale.toFixed(6)}, ` +
        `mean [${config.mean.map((m) => +m.toFixed(4)).join(', ')}], std [${config.std.map((s) => +s.toFixed(4)).join(', ')}]${labels}` +
        (model.sidecar ? ` (sidecar ${model.sidecar})` : ''),
    );
    if (config.fit !== 'stretch' || config.cropFraction !== 1)
      println(`        fit ${config.fit}, crop fraction ${+config.cropFraction.toFixed(6)}`);
  } else println(`config  unresolved: ${configError}`);
  const { tokens, attention } = inspection;
  if (tokens) {
    const extra = tokens.prefix.length > 0 ? `${tokens.prefix.join(' + ')} + ` : '';
    println(
      `tokens  ${tokens.length} × ${tokens.channels ?? '?'}: ${extra}${tokens.rows}×${tokens.cols} patches of ${tokens.cell[0]}×${tokens.cell[1]} px`,
    );
  }
  if (attention.length > 0) {
    const windowed = attention.every((a) => a.tokens === null);
    println(
      `attention  ${attention.length} Softmax outputs${attention[0]!.heads ? `, ${attention[0]!.heads} heads` : ''}${
        windowed ? ' within windows (no attention rollout; grad-cam works)' : ''
      }: ${attention.map((a) => a.tensor).join(', ')}`,
    );
  }
  println(`layers  ${inspection.layers.length}:`);
  const width = Math.max(...inspection.layers.map((l) => l.name.length), 4);
  for (const layer of inspection.layers) {
    println(
      `  ${layer.name.padEnd(width)}  ${layer.opType.padEnd(18)} ${dimsText(layer.dims)}${layer.differentiable ? '' : '  (no gradient)'}`,
    );
  }
  println(
    `ops without gradient rules: ${inspection.unsupportedOps.length > 0 ? inspection.unsupportedOps.join(', ') : 'none'}`,
  );
  if (written) println(`wrote ${written}`);
}
