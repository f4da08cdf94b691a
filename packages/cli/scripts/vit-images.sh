#!/usr/bin/env bash
# Regenerates the transformer pictures of docs/saliency.md (docs/images/saliency/vit/) and the
# README's ViT picture with the CLI itself, on the committed default ViT (models/vit, a model
# folder: no flags) and held-out images of the default model. Run after `pnpm build`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=docs/images/saliency/vit
mkdir -p "$OUT"
fv() { echo "$ fv $*"; node packages/cli/dist/cli.js "$@"; }
H=models/default/heldout
IMAGES="$H/00-blue-triangle.png $H/07-striped-disc.png $H/21-target-rings.png $H/27-magenta-ring.png"
for method in attention-rollout transformer-attribution grad-cam; do
  fv saliency models/vit $IMAGES --method "$method" --maps positive --style blended-heat-map \
    --min-display 160 --out "$OUT/$method/"
done
# The README's picture: transformer attribution's grid on one held-out image.
fv saliency models/vit $H/07-striped-disc.png --method transformer-attribution \
  --out docs/images/cli/vit-transformer-attribution.png
