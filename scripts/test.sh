#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, builds every package,
# then typecheck, lint/format check and every vitest project (node, jsdom, e2e in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
FV_NEED_CHROMIUM=1 source scripts/ensure-tools.sh

pnpm install --frozen-lockfile
pnpm run build
pnpm run typecheck
pnpm run lint
pnpm exec vitest run "$@"
