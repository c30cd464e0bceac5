#!/usr/bin/env bash
# Set up (first run) and start ConvScope on http://127.0.0.1:8501
source "$(dirname "$0")/venv.sh" requirements.txt
exec python -m streamlit run app.py "$@"
