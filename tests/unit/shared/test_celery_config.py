"""The Celery options that make delivery at-least-once and results exactly-once (docs/design.md §5)."""

from __future__ import annotations

from shared.celery_config import celery_config
from shared.settings import Settings
from shared.tasks import (
    ALL_QUEUES,
    CPU_QUEUES,
    GENERATE_QUEUE,
    RENDER_CHUNK,
    RENDER_QUEUE,
    WRITE_CHUNK,
    WRITE_QUEUE,
    stage_queue,
    stage_task,
)


def test_production_options_follow_the_gpu_worker_recipe() -> None:
    settings = Settings(broker_url="redis://127.0.0.1:6379/0")
    conf = celery_config(settings)
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_ignore_result"] is True
    assert conf["worker_cancel_long_running_tasks_on_connection_loss"] is True
    assert conf["worker_send_task_events"] is True
    hard = conf["task_time_limit"]
    assert conf["task_soft_time_limit"] < hard
    # The visibility timeout in all three places, above the hard limit.
    for value in (
        conf["visibility_timeout"],
        conf["broker_transport_options"]["visibility_timeout"],
        conf["result_backend_transport_options"]["visibility_timeout"],
    ):
        assert value > hard


def test_generation_and_rendering_are_separate_queues() -> None:
    routes = celery_config(Settings(broker_url="redis://x"))["task_routes"]
    assert routes[WRITE_CHUNK]["queue"] == GENERATE_QUEUE
    assert routes[RENDER_CHUNK]["queue"] == RENDER_QUEUE


def test_writes_are_routed_by_writer_so_template_batches_need_no_gpu() -> None:
    routes = celery_config(Settings(broker_url="redis://x"))["task_routes"]
    # A model write waits for a GPU worker; a template write is CPU work.
    assert routes[stage_task("write", "llm")]["queue"] == GENERATE_QUEUE
    assert routes[stage_task("write", "template")]["queue"] == WRITE_QUEUE
    assert stage_queue("write", "template") in CPU_QUEUES
    assert stage_queue("render", "llm") == RENDER_QUEUE
    # `cohortcv run` starts its workers on every queue.
    assert set(ALL_QUEUES) >= {route["queue"] for route in routes.values()}


def test_embedded_broker_lives_in_the_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    conf = celery_config(settings)
    assert conf["broker_url"] == "filesystem://"
    assert conf["broker_transport_options"]["data_folder_in"].startswith(str(tmp_path))
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'cohortcv.db'}"


def test_time_limits_out_of_order_are_refused_naming_each_setting() -> None:
    """The drill's settings: hard 1,200 s > job deadline 600 s > visibility 300 s."""
    import pytest

    from shared.errors import ConfigurationError

    settings = Settings(
        broker_url="redis://x",
        worker={"hard_time_limit_s": 1200, "job_deadline_s": 600, "visibility_timeout_s": 300},
    )
    with pytest.raises(ConfigurationError) as caught:
        celery_config(settings)
    message = str(caught.value)
    assert (
        "COHORTCV_WORKER__HARD_TIME_LIMIT_S=1200 is not below COHORTCV_WORKER__JOB_DEADLINE_S=600"
        in message
    )
    assert (
        "COHORTCV_WORKER__JOB_DEADLINE_S=600 is not below COHORTCV_WORKER__VISIBILITY_TIMEOUT_S=300"
        in message
    )
    assert "SOFT_TIME_LIMIT_S" not in message  # 300 < 1200 holds
    equal = Settings(worker={"soft_time_limit_s": 420})  # soft == hard: no clean failure first
    with pytest.raises(ConfigurationError, match="SOFT_TIME_LIMIT_S=420 is not below"):
        equal.worker.check_time_limits()
    Settings().worker.check_time_limits()  # the defaults a user gets are in order
