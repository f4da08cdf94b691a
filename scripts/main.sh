#!/usr/bin/env bash
# The README's main command (`npm start`): installs, builds, and shows what was built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-tools.sh

pnpm install --frozen-lockfile
pnpm run build
node scripts/main.mjs
