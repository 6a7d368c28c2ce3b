# The producer image: the cohortcv CLI, the HTTP API, Flower, beat and CPU workers (render, control).
# It installs the project WITHOUT the llm extra: no torch, no transformers.
#   docker build -f deploy/producer.Dockerfile -t cohortcv-producer .
# BASE_IMAGE: the official Python image by default; any Debian bookworm image works too (the
# deploy test builds from a local Debian base: tests/deploy/README.md). Python comes from the base
# when it has one, else from Debian's python3 (3.11 on bookworm).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBIAN_FRONTEND=noninteractive \
    COHORTCV_DATA_DIR=/var/lib/cohortcv \
    PATH=/opt/cohortcv/bin:$PATH

# Noto CJK for Chinese PDFs (workers/render/fonts.py looks in /usr/share/fonts/opentype/noto).
RUN pkgs="fonts-noto-cjk fontconfig" \
    && { python3 -c "import ensurepip, venv" 2>/dev/null || pkgs="$pkgs python3 python3-venv"; } \
    && apt-get update \
    && apt-get install -y --no-install-recommends $pkgs \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/cohortcv

WORKDIR /app
# Dependencies first, in their own layer: a code change rebuilds only the last layers.
COPY pyproject.toml README.m[d] ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY shared ./shared
COPY producer ./producer
COPY workers ./workers
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 cohortcv \
    && mkdir -p /var/lib/cohortcv /out \
    && chown cohortcv:cohortcv /var/lib/cohortcv /out

USER cohortcv
WORKDIR /home/cohortcv
CMD ["cohortcv", "--help"]
