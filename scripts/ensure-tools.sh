# Sourced by scripts/test.sh and scripts/main.sh: makes sure the pinned pnpm (and, with
# FV_NEED_CHROMIUM=1, Debian's Chromium) are there, installing them when they are not.
# Everything the README's two commands need is installed from here, nowhere else.
FV_PNPM_VERSION=12.4.2
fv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$FV_PNPM_VERSION" ]; then
  if [ ! -x "$fv_root/.tools/node_modules/.bin/pnpm" ] ||
    [ "$("$fv_root/.tools/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$FV_PNPM_VERSION" ]; then
    echo "fv: installing pnpm@$FV_PNPM_VERSION into .tools/" >&2
    npm install --silent --no-save --no-package-lock --prefix "$fv_root/.tools" "pnpm@$FV_PNPM_VERSION" >&2
  fi
  export PATH="$fv_root/.tools/node_modules/.bin:$PATH"
fi

if [ "${FV_NEED_CHROMIUM:-0}" = 1 ]; then
  export FV_CHROMIUM="${FV_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$FV_CHROMIUM" ]; then
    fv_sudo=
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      fv_sudo="sudo -n"
    fi
    if { [ "$(id -u)" = 0 ] || [ -n "$fv_sudo" ]; } && command -v apt-get >/dev/null 2>&1; then
      echo "fv: installing Debian's chromium for the end-to-end tests" >&2
      $fv_sudo apt-get update -qq >&2
      $fv_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    else
      echo "fv: $FV_CHROMIUM is missing; install Debian's chromium (apt-get install -y chromium) or set FV_CHROMIUM" >&2
      exit 1
    fi
  fi
fi
