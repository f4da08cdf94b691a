#!/usr/bin/env bash
# The README's main command (`npm start`): installs, builds, then runs the `fv` CLI end to end on
# the committed default model (classify, saliency, Deep Dream, unit and class visualization),
# writing to ./out/ and printing paths and timings.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
source scripts/ensure-tools.sh

pnpm install --frozen-lockfile
pnpm run build
echo "fv: install and build took $(($(date +%s) - start)) s"
node scripts/main.mjs
echo "fv: npm start took $(($(date +%s) - start)) s in all"
