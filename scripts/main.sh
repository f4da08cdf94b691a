#!/usr/bin/env bash
# The README's main command (`npm start`): installs, builds, then runs the `fv` CLI end to end on
# the committed default model (classify, saliency, Deep Dream, unit and class visualization),
# writing to ./out/ and printing paths and timings; then builds the example gallery. With
# `npm start -- --serve` it goes on to serve the gallery on localhost (until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
source scripts/ensure-tools.sh

pnpm install --frozen-lockfile
pnpm run build
echo "fv: install and build took $(($(date +%s) - start)) s"
node scripts/main.mjs
if [[ "${1:-}" == "--serve" ]]; then
  echo "fv: npm start took $(($(date +%s) - start)) s before serving the gallery"
  exec node examples/scripts/serve.mjs # builds the gallery, then serves it
fi
node examples/scripts/build.mjs
echo "fv: npm start took $(($(date +%s) - start)) s in all"
echo "fv: to browse the example gallery, run \`pnpm gallery\` (or \`npm start -- --serve\`)"
