# The GPU worker image: CUDA runtime + PyTorch, and cohortcv with the llm extra.
# The base image already holds a CUDA build of torch (Python 3.11), so `.[llm]` keeps it and
# only adds transformers.
#   docker build -f deploy/worker-cuda.Dockerfile -t cohortcv-worker-cuda .
FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBIAN_FRONTEND=noninteractive \
    PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True \
    COHORTCV_DATA_DIR=/var/lib/cohortcv

# Noto CJK for Chinese PDFs (a GPU worker may also render when given the render queue).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.m[d] ./
COPY shared ./shared
COPY producer ./producer
COPY workers ./workers
RUN pip install ".[llm]" \
    && python -c "import torch; assert torch.version.cuda, 'expected a CUDA build of torch'" \
    && useradd --create-home --uid 10001 cohortcv \
    && mkdir -p /var/lib/cohortcv \
    && chown cohortcv:cohortcv /var/lib/cohortcv

USER cohortcv
WORKDIR /home/cohortcv
CMD ["cohortcv", "worker", "--queues", "generate", "--device", "cuda:0", "--concurrency", "1"]
