/** The size of a Vision Transformer built by {@link buildVit}. */
export interface VitConfig {
  readonly image: number;
  readonly patch: number;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly mlp: number;
  readonly classes: number;
}
/**
 * The ONNX bytes of a ViT (torchvision's VisionTransformer graph, opset 17, counter-hash weights):
 * input `input` [1, 3, image, image], output `logits` [1, classes].
 */
export function buildVit(config: VitConfig): Uint8Array;
/** ViT-B/16 at 224×224 (86 M parameters, random weights). */
export function vitB16(): Uint8Array;
/** A small ViT for the quick smoke run. */
export function vitTiny(): Uint8Array;
