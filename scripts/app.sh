#!/usr/bin/env bash
# Set up (first run) and start ConvScope on http://127.0.0.1:8501
source "$(dirname "$0")/venv.sh" requirements.txt
# On a development machine with the shared lecture data beside the project, use it.
if [ -z "${CONVSCOPE_DATA:-}" ] && [ -d "$ROOT/../shared/data/MNIST" ]; then export CONVSCOPE_DATA="$ROOT/../shared/data"; fi
if [ -z "${CONVSCOPE_IMAGE_DIR:-}" ] && [ -d "$ROOT/../shared/data/styles" ]; then export CONVSCOPE_IMAGE_DIR="$ROOT/../shared/data/styles"; fi
# Idle OpenMP threads sleep instead of spinning: on a shared 2-core server spinning steals the other
# sessions' CPU (measured: a 2-thread VGG pass cost 3x the CPU under load without this).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec python -m streamlit run app.py "$@"
