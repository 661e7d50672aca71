#!/usr/bin/env bash
# Installs everything DM3 Assistant needs into ./.venv. Usage: scripts/setup.sh run|test|bench
# Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip wheel
fi
# torch first, pinned: the CPU build on this machine's disk (an unpinned torch pulls a CUDA build)
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q "torch==2.13.0"

case "$mode" in
  run)   extras="" ;;
  test)  extras="[test]" ;;
  bench) extras="[test,bench]" ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

stamp=".venv/.installed-${mode}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing dm3-assistant${extras} (llama-cpp-python builds from source the first time: ~5 minutes)"
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" .venv/bin/pip install -q -e ".${extras}"
  touch "$stamp"
fi

# PDF export: WeasyPrint lays out pages with Pango (a system library, not on PyPI)
if ! ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so"; then
  echo "==> installing Pango for PDF export (apt-get)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
fi

# the data-flow map is laid out and drawn by Graphviz's dot (the graphviz Python package calls it)
if ! command -v dot >/dev/null 2>&1; then
  echo "==> installing Graphviz for the data-flow map (apt-get)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null
fi

if [ "$mode" != "run" ]; then
  # browser tests drive Debian's Chromium (playwright cannot download a browser here)
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing chromium (apt-get)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  # the second test pass runs on a throw-away PostgreSQL server (scripts/pg.sh): Debian's package
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "==> installing postgresql (apt-get)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
fi
echo "==> ready (.venv, mode: $mode)"
