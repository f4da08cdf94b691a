#!/usr/bin/env bash
# Regenerates docs/dream.md's pictures (docs/images/dream/) with the CLI: MobileNetV2 and
# chelsea.png from the shared models folder, default settings unless stated. Run after `pnpm build`.
# (A picture generator is a script, not a test.)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${FV_MODELS_DIR:-../shared/models}
M=$D/imagenet/mobilenet_v2_1.0_224.onnx
P="--preset tf-mobilenet --labels $D/imagenet/imagenet_labels_1001.txt"
fv() { node packages/cli/dist/cli.js "$@"; }
fv dream $M $D/images/chelsea.png $P --layer MobilenetV2/expanded_conv_6/expand/Relu6 --seed 1 \
  --out docs/images/dream/deep-dream-chelsea.png
fv visualize $M $P --layer MobilenetV2/expanded_conv_10/expand/Relu6 --channels 3,17,42,101 \
  --out docs/images/dream/units-expanded_conv_10-expand.png
fv classviz $M $P --target 2 --out docs/images/dream/class-goldfish.png
