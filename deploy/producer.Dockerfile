# The producer image: the cohortcv CLI, the HTTP API, Flower, beat and CPU workers (render, control).
# It installs the project WITHOUT the llm extra: no torch, no transformers.
#   docker build -f deploy/producer.Dockerfile -t cohortcv-producer .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COHORTCV_DATA_DIR=/var/lib/cohortcv

# Noto CJK for Chinese PDFs (workers/render/fonts.py looks in /usr/share/fonts/opentype/noto).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Only what the distribution needs (README.md is optional: the glob may match nothing).
COPY pyproject.toml README.m[d] ./
COPY shared ./shared
COPY producer ./producer
COPY workers ./workers
RUN pip install . \
    && useradd --create-home --uid 10001 cohortcv \
    && mkdir -p /var/lib/cohortcv /out \
    && chown cohortcv:cohortcv /var/lib/cohortcv /out

USER cohortcv
WORKDIR /home/cohortcv
CMD ["cohortcv", "--help"]
