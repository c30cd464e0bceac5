#!/usr/bin/env bash
# Set up (first run) and start ConvScope on http://127.0.0.1:8501
source "$(dirname "$0")/venv.sh" requirements.txt
# On a development machine with the shared lecture data beside the project, use it.
if [ -z "${CONVSCOPE_DATA:-}" ] && [ -d "$ROOT/../shared/data/MNIST" ]; then export CONVSCOPE_DATA="$ROOT/../shared/data"; fi
if [ -z "${CONVSCOPE_IMAGE_DIR:-}" ] && [ -d "$ROOT/../shared/data/styles" ]; then export CONVSCOPE_IMAGE_DIR="$ROOT/../shared/data/styles"; fi
exec python -m streamlit run app.py "$@"
