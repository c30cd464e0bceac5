# ConvScope on a Hugging Face Space (Docker SDK, free CPU tier: 2 vCPU, 16 GB RAM).
FROM python:3.11-slim

# DejaVu fonts: exported PNG/GIF slides write ×, − and ⌊ with them (slim images have no fonts).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Spaces run the container as UID 1000; build as that user so caches are its own.
RUN useradd --create-home --uid 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMP_WAIT_POLICY=PASSIVE \
    CONVSCOPE_DATA=/home/user/data \
    TORCH_HOME=/home/user/.cache/torch
WORKDIR /home/user/app

# CPU wheels of the pinned torch/torchvision (the default PyPI wheels carry CUDA: GBs for nothing).
COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir --user --extra-index-url https://download.pytorch.org/whl/cpu \
        -r requirements.txt

COPY --chown=user . .
# Pretrained weights (VGG16, VGG19, ResNet18, ResNet50) and MNIST at build time,
# so a running Space never downloads anything.
RUN python -m explainer.prefetch

EXPOSE 8501
# Behind the Space's proxy, XSRF checks reject uploads; the app keeps no server-side secrets.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", \
     "--server.enableXsrfProtection=false", "--server.enableCORS=false"]
