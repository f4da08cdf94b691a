#!/usr/bin/env bash
# Regenerates the root README's CLI pictures (docs/images/cli/) with the CLI itself: MobileNetV2 and
# chelsea.png from the shared models folder. Run after `pnpm build` (about half an hour on wasm:
# the unit and class visualizations take 512 steps each).
set -euo pipefail
cd "$(dirname "$0")/../../.."
D=${FV_MODELS_DIR:-../shared/models}
M=$D/imagenet/mobilenet_v2_1.0_224.onnx
P="--preset tf-mobilenet --labels $D/imagenet/imagenet_labels_1001.txt"
fv() { echo "$ fv $*" | sed "s#$D#\$FV_MODELS_DIR#g"; node packages/cli/dist/cli.js "$@"; }
fv classify $M $D/images/chelsea.png $P --top 3
fv saliency $M $D/images/chelsea.png $P --method smoothgrad --out docs/images/cli/chelsea-smoothgrad.png
fv saliency $M $D/images/chelsea.png $P --method grad-cam --style blended-heat-map --maps positive --out docs/images/cli/chelsea-grad-cam.png
fv dream $M $D/images/chelsea.png $P --layer MobilenetV2/expanded_conv_6/expand/Relu6 --octaves 3 --steps 8 --out docs/images/cli/chelsea-dream.png
fv visualize $M $P --layer MobilenetV2/expanded_conv_10/expand/Relu6 --channels 3,17,42,101 --out docs/images/cli/units.png
fv classviz $M $P --target 'Egyptian cat' --out docs/images/cli/classviz-egyptian-cat.png
