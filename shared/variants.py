"""Resume variant keys: the one spelling of "which resume" shared by producer and workers."""

from __future__ import annotations

import hashlib

# The variant column's width: a longer key is cut and ends in a digest of the whole key.
VARIANT_MAX = 100


def variant_key(language: str, writer: str, model_key: str = "", target_job: str = "") -> str:
    """The resume variant key: language + writer (+ model identity + batch target job).

    The producer looks up reusable resumes at submit time with `variant_key(lang, writer)`,
    and a worker stores what it wrote under the same key, so both sides must build it here.
    A model writer's key holds its identity (name@digest of weights/revision): another model
    regenerates, the same model reuses. The template writer's key stays "en:template".
    """
    key = f"{language}:{writer}"
    if model_key:
        key += f":{model_key}"
        if target_job:
            key += ":job-" + hashlib.sha256(target_job.encode()).hexdigest()[:12]
    if len(key) > VARIANT_MAX:
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        key = f"{key[: VARIANT_MAX - 26]}~{digest}"
    return key
