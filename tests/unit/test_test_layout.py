"""Tests mirror the source tree: every module has a test module of its own name, or says which test covers it.

A module `producer/ingest/rows.py` is tested by `tests/unit/producer/ingest/test_rows.py` (or the
same path under tests/integration or tests/e2e, for a module that needs real services). A module
tested only through another test file is listed in COVERED_ELSEWHERE with that file and the text
that shows the file reaches it: the module's import path, its command or its route.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("producer", "shared", "workers")
TIERS = ("unit", "integration", "e2e")

# module → (the test file that exercises it, what that file mentions to reach it). "import"
# means the module's import path (`producer.api.app`, or `from shared.db import batches`).
COVERED_ELSEWHERE: dict[str, tuple[str, str]] = {
    # The HTTP API: exercised through the app by the API tests, route by route.
    "producer/api/app.py": ("tests/integration/producer/api/test_batches.py", "import"),
    "producer/api/deps.py": ("tests/integration/producer/api/test_isolation.py", "Bearer"),
    "producer/api/errors.py": ("tests/integration/producer/api/test_uploads.py", "422"),
    "producer/api/metrics.py": ("tests/integration/producer/api/test_batches.py", "/metrics"),
    "producer/api/routes/batches.py": (
        "tests/integration/producer/api/test_batches.py",
        "/v1/batches",
    ),
    "producer/api/routes/docs.py": ("tests/integration/producer/api/test_batches.py", "/docs"),
    "producer/api/routes/health.py": ("tests/integration/producer/api/test_batches.py", "/healthz"),
    "producer/api/routes/resumes.py": (
        "tests/integration/producer/api/test_isolation.py",
        "/v1/resumes",
    ),
    "producer/api/schemas.py": ("tests/integration/producer/api/test_openapi_fuzz.py", "openapi"),
    "producer/api/upload.py": ("tests/integration/producer/api/test_uploads.py", "413"),
    "producer/api/web/i18n.py": ("tests/unit/producer/api/test_names_and_languages.py", "import"),
    "producer/api/web/pages.py": ("tests/integration/producer/api/test_web.py", "/signin"),
    "producer/api/web/render.py": ("tests/integration/producer/api/test_web.py", "/batches"),
    # The CLI: one module per command group, run as real `cohortcv` processes.
    "producer/cli/app.py": ("tests/unit/deploy/test_make_reference.py", "import"),
    "producer/cli/batches.py": ("tests/e2e/test_cli_batches.py", '"cancel"'),
    "producer/cli/common.py": ("tests/e2e/test_cli_batches.py", '"submit"'),
    "producer/cli/db.py": (
        "tests/integration/shared/db/test_require_schema.py",
        "cohortcv db upgrade",
    ),
    "producer/cli/evaluate.py": ("tests/e2e/test_eval.py", '"eval"'),
    "producer/cli/finetune.py": ("tests/e2e/test_finetune_cli.py", '"finetune"'),
    "producer/cli/main.py": ("tests/unit/test_architecture.py", "import"),
    "producer/cli/run.py": ("tests/e2e/test_run.py", '"run"'),
    "producer/cli/serve.py": ("tests/e2e/test_api_server.py", '"api"'),
    "producer/cli/tenant.py": ("tests/e2e/test_api_server.py", '"tenant"'),
    "producer/cli/workers.py": ("tests/integration/test_flower.py", '"flower"'),
    "producer/approvals.py": ("tests/e2e/test_finetune_cli.py", '"approve"'),
    "producer/embedded.py": ("tests/e2e/test_run.py", '"run"'),
    "producer/export.py": ("tests/unit/producer/test_export_folders.py", "import"),
    "producer/purge.py": ("tests/e2e/test_purge.py", "import"),
    "producer/workerproc.py": ("tests/unit/producer/service/test_options.py", "import"),
    # Ingestion: the readers behind open_ingestion, by the file kind they read.
    "producer/ingest/csvscan.py": (
        "tests/unit/producer/ingest/test_sources.py",
        "test_a_closed_10_mb_multiline_cell_rejects_its_row_only",
    ),
    "producer/ingest/csvsource.py": ("tests/unit/producer/ingest/test_sources.py", "import"),
    "producer/ingest/jsonl.py": ("tests/unit/producer/ingest/test_sources.py", "test_jsonl_"),
    "producer/ingest/xlsx.py": ("tests/unit/producer/ingest/test_sources.py", "test_xlsx_"),
    "producer/ingest/xlsxml.py": (
        "tests/unit/producer/ingest/test_sources.py",
        "test_xlsx_values_as_a_person_typed_them",
    ),
    # The batch operations, under the API and the CLI.
    "producer/service/health.py": ("tests/integration/producer/api/test_batches.py", "/healthz"),
    "producer/service/approvals.py": ("tests/e2e/test_finetune_cli.py", '"approve"'),
    "producer/service/export.py": ("tests/e2e/test_purge.py", '"export"'),
    "producer/service/purge.py": ("tests/e2e/test_purge.py", '"purge"'),
    "producer/service/sessions.py": ("tests/integration/producer/api/test_web.py", "/signin"),
    "producer/service/tenants.py": ("tests/integration/producer/api/test_isolation.py", "Bearer"),
    "producer/service/batches.py": ("tests/integration/producer/api/test_retention.py", "import"),
    "producer/service/context.py": ("tests/integration/producer/api/test_retention.py", "import"),
    "producer/service/database.py": (
        "tests/integration/shared/db/test_require_schema.py",
        "cohortcv db upgrade",
    ),
    "producer/service/download.py": ("tests/integration/producer/api/test_batches.py", "download"),
    "producer/service/isolated.py": ("tests/integration/producer/api/test_uploads.py", "422"),
    "producer/service/run.py": ("tests/e2e/test_run.py", '"run"'),
    "producer/service/validation.py": ("tests/e2e/test_run.py", '"validate"'),
    "producer/service/rows.py": ("tests/integration/producer/api/test_batches.py", "/rows"),
    # shared: settings, SQL, the guard's parts.
    "shared/api_settings.py": ("tests/integration/producer/api/test_uploads.py", "413"),
    "shared/db/batches.py": ("tests/integration/shared/db/test_progress.py", "import"),
    "shared/db/approvals.py": ("tests/e2e/test_finetune_cli.py", '"approve"'),
    "shared/db/engine.py": ("tests/integration/producer/test_dispatch.py", "import"),
    "shared/db/health.py": ("tests/integration/producer/api/test_batches.py", "/healthz"),
    "shared/db/intake.py": ("tests/integration/producer/test_dispatch.py", "store_batch"),
    "shared/db/generation.py": ("tests/integration/workers/test_llm_pipeline.py", "import"),
    "shared/db/heartbeats.py": ("tests/integration/shared/db/test_progress.py", "import"),
    "shared/db/models.py": ("tests/integration/producer/api/test_batches.py", "import"),
    "shared/db/purge.py": ("tests/e2e/test_purge.py", "purge"),
    "shared/db/resumes.py": ("tests/integration/producer/api/test_isolation.py", "import"),
    "shared/db/rows.py": ("tests/integration/producer/api/test_batches.py", "/rows"),
    "shared/db/retention.py": ("tests/integration/producer/api/test_retention.py", "import"),
    "shared/errors.py": ("tests/integration/shared/db/test_tenants.py", "import"),
    "shared/grounding/numbers.py": ("tests/unit/shared/grounding/test_claims.py", "import"),
    "shared/grounding/slop.py": ("tests/unit/shared/grounding/test_guard.py", "slop"),
    "shared/grounding/source.py": ("tests/unit/shared/grounding/test_claims.py", "import"),
    "shared/grounding/vocab.py": ("tests/unit/shared/grounding/test_claims.py", "import"),
    "shared/policy.py": ("tests/integration/shared/db/test_jobs.py", "import"),
    "shared/processes.py": ("tests/e2e/test_run_concurrent.py", '"run"'),
    "shared/profile.py": ("tests/unit/shared/test_facts.py", "import"),
    "shared/reconcile.py": ("tests/integration/shared/db/test_jobs.py", "import"),
    "shared/tasks.py": ("tests/unit/shared/test_celery_config.py", "import"),
    # workers: the Celery side, evaluation, rendering helpers, the model runtime.
    "workers/app.py": ("tests/unit/test_architecture.py", "import"),
    "workers/start.py": ("tests/integration/workers/test_metrics.py", '"worker"'),
    "workers/tasks.py": ("tests/integration/workers/test_llm_pipeline.py", "write_chunk"),
    "workers/holder.py": ("tests/integration/workers/test_llm_pipeline.py", "import"),
    "workers/pipeline.py": ("tests/integration/workers/test_llm_pipeline.py", "import"),
    "workers/evaluation/__main__.py": ("tests/e2e/test_eval.py", '"eval"'),
    "workers/evaluation/evaluation.py": ("tests/e2e/test_eval.py", "eval.json"),
    "workers/evaluation/html_report.py": ("tests/e2e/test_eval.py", "eval.html"),
    "workers/evaluation/lengths.py": ("tests/e2e/test_eval.py", "length"),
    "workers/evaluation/names.py": ("tests/unit/workers/evaluation/test_probe.py", "import"),
    "workers/evaluation/plots.py": ("tests/e2e/test_eval.py", "data:image/png"),
    "workers/evaluation/references.py": ("tests/unit/workers/evaluation/test_metrics.py", "import"),
    "workers/evaluation/sameness.py": ("tests/unit/workers/evaluation/test_metrics.py", "import"),
    "workers/evaluation/text.py": ("tests/unit/workers/evaluation/test_metrics.py", "import"),
    "workers/evaluation/xlsx_report.py": ("tests/e2e/test_eval.py", "eval.xlsx"),
    "workers/finetune/__main__.py": ("tests/e2e/test_finetune_cli.py", '"finetune"'),
    "workers/render/fonts.py": ("tests/unit/workers/render/test_pdf.py", "import"),
    "workers/render/labels.py": ("tests/unit/workers/render/test_markdown.py", "Education"),
    "workers/render/view.py": ("tests/unit/workers/render/test_reader_view.py", "to_html"),
    "workers/runtime/base.py": ("tests/integration/workers/runtime/test_gguf.py", "import"),
    "workers/finetune/examples.py": ("tests/unit/workers/finetune/test_train.py", "import"),
    "workers/finetune/report.py": ("tests/unit/workers/finetune/test_train.py", "import"),
    "workers/runtime/hf.py": ("tests/unit/workers/runtime/test_import_isolation.py", "import"),
    "workers/runtime/hf_load.py": ("tests/unit/workers/finetune/test_train.py", "import"),
    "workers/runtime/registry.py": (
        "tests/integration/workers/runtime/test_hf_runtime.py",
        "import",
    ),
    "workers/writers/base.py": ("tests/unit/workers/writers/test_template.py", "import"),
    "workers/writers/parse.py": ("tests/unit/workers/writers/test_parse_sections.py", "import"),
    "workers/writers/prompts.py": ("tests/unit/workers/writers/test_parse_sections.py", "import"),
    "workers/writers/registry.py": ("tests/integration/workers/test_llm_tiny_model.py", "import"),
    "workers/writers/sections.py": ("tests/unit/workers/writers/test_parse_sections.py", "import"),
}


def source_modules() -> list[str]:
    """Every module of the three packages, as a path; package markers and migrations excepted."""
    return sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" and "migrations" not in path.relative_to(ROOT).parts
    )


def own_tests(module: str) -> list[Path]:
    """The test modules that mirror `module` in each tier and exist."""
    folder, _, name = module.rpartition("/")
    return [
        path
        for tier in TIERS
        if (path := ROOT / "tests" / tier / folder / f"test_{name}").is_file()
    ]


def mentions_import(text: str, module: str) -> bool:
    dotted = module.removesuffix(".py").replace("/", ".")
    package, _, name = dotted.rpartition(".")
    if re.search(rf"(?<![\w.]){re.escape(dotted)}(?!\w)", text):
        return True
    # `from shared.db import batches, heartbeats`, on one line or in parentheses.
    imported = re.findall(rf"from {re.escape(package)} import (\([^)]*\)|[^\n]*)", text)
    return any(re.search(rf"\b{re.escape(name)}\b", names) for names in imported)


def test_every_module_has_a_test_module_or_names_the_test_that_covers_it() -> None:
    missing = [m for m in source_modules() if not own_tests(m) and m not in COVERED_ELSEWHERE]
    lines = []
    for module in missing:
        folder, _, name = module.rpartition("/")
        lines.append(
            f"  {module}: write tests/unit/{folder}/test_{name}, or add to COVERED_ELSEWHERE in "
            f'tests/unit/test_test_layout.py:  "{module}": ("tests/<tier>/<path>/test_<name>.py", '
            f'"import"),  (or the command, route or test name that file uses instead of "import")'
        )
    assert not missing, "modules without a test module:\n" + "\n".join(lines)


def test_every_listed_test_exists_and_reaches_its_module() -> None:
    modules = set(source_modules())
    wrong = []
    for module, (test_file, mention) in sorted(COVERED_ELSEWHERE.items()):
        path = ROOT / test_file
        if module not in modules:
            wrong.append(f"{module} no longer exists: remove its COVERED_ELSEWHERE line")
        elif own_tests(module):
            found = own_tests(module)[0].relative_to(ROOT)
            wrong.append(f"{module} has its own test ({found}): remove its COVERED_ELSEWHERE line")
        elif not path.is_file():
            wrong.append(f"{module}: {test_file} does not exist")
        elif mention == "import" and not mentions_import(path.read_text("utf-8"), module):
            wrong.append(f"{module}: {test_file} does not import it; name the file that does")
        elif mention != "import" and mention not in path.read_text("utf-8"):
            wrong.append(f"{module}: {test_file} never mentions {mention!r}")
    assert not wrong, "COVERED_ELSEWHERE in tests/unit/test_test_layout.py:\n  " + "\n  ".join(
        wrong
    )
