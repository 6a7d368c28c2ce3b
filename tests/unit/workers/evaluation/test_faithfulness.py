"""The faithfulness re-run: a claim planted in a model-written section is caught whatever meta says."""

from __future__ import annotations

import json

from shared.profile import GroundingCheck, Resume
from workers.evaluation import faithfulness
from workers.evaluation.corpus import Person, strip_written
from workers.writers.template import TemplateWriter

from .conftest import chinese, english


def _model_wrote(resume: Resume, summary: str) -> Resume:
    """A resume whose summary a model wrote and whose meta says the guard passed it."""
    resume.basics.summary = summary
    resume.meta.provenance["basics.summary"] = "llm:fake-model"
    resume.meta.grounding = [
        GroundingCheck(section="basics.summary", outcome="passed", writer="llm", model="fake-model")
    ]
    return resume


def test_a_planted_claim_is_caught_against_the_stored_facts() -> None:
    profile = english()
    good = _model_wrote(TemplateWriter().write_one(profile),
                        "Data intern at Initech who cleaned survey data for 3 lab studies.")  # fmt: skip
    bad = _model_wrote(TemplateWriter().write_one(profile),
                       "Data intern at Google who cut costs by 40% using Kubernetes.")  # fmt: skip
    people = [Person("good", good, profile, "db"), Person("bad", bad, profile, "db")]
    sections = faithfulness.per_section(people)
    assert list(sections["rerun"]) == ["grounded", "ungrounded"]
    fails = faithfulness.failures(sections)
    assert list(fails["person"]) == ["bad"]
    claims = fails.loc[0, "ungrounded"]
    assert "Google" in claims and "40" in claims and "Kubernetes" in claims
    table = faithfulness.by_writer(sections)
    row = table.iloc[0]
    assert (row["writer"], row["model"], row["sections"]) == ("llm", "fake-model", 2)
    assert row["passed"] == 1.0  # what meta says
    assert row["rerun_grounded"] == 0.5  # what the re-run found
    assert row["meta_says_ok_rerun_fails"] == 1


def test_from_a_folder_the_checked_text_is_not_its_own_source() -> None:
    # resume.json alone: the model-written summary is removed from the facts before checking,
    # so "Google" cannot ground itself.
    profile = english()
    resume = _model_wrote(TemplateWriter().write_one(profile), "Data intern at Google.")
    document = json.loads(json.dumps(resume.to_json_resume()))
    facts, unverifiable = strip_written(document)
    assert facts.basics.summary is None
    assert not unverifiable
    sections = faithfulness.per_section([Person("p", Resume.model_validate(document), facts,
                                                "resume")])  # fmt: skip
    assert list(sections["rerun"]) == ["ungrounded"]
    assert "Google" in sections.loc[0, "ungrounded"]


def test_model_bullets_from_a_work_summary_are_unverifiable_from_a_folder() -> None:
    profile = english()
    resume = TemplateWriter().write_one(profile)  # the summary became bullets; summary is None
    resume.work[0].highlights = ["Cleaned survey data for 3 lab studies."]
    resume.meta.provenance["work[0].highlights"] = "llm:fake-model"
    facts, unverifiable = strip_written(resume.to_json_resume())
    assert unverifiable == {"work[0].highlights"}
    sections = faithfulness.per_section([Person("p", resume, facts, "resume", unverifiable)])
    assert list(sections["rerun"]) == ["unverifiable"]
    assert faithfulness.failures(sections).empty


def test_template_and_input_text_is_not_counted_as_model_written() -> None:
    people = [Person("en", TemplateWriter().write_one(english()), english(), "db"),
              Person("zh", TemplateWriter().write_one(chinese()), chinese(), "db")]  # fmt: skip
    assert faithfulness.per_section(people).empty
    assert faithfulness.by_writer(faithfulness.per_section(people)).empty


def test_chinese_planted_claim() -> None:
    profile = chinese()
    resume = _model_wrote(
        TemplateWriter().write_one(profile), "曾在腾讯担任数据分析实习生，完成了8份报告。"
    )
    sections = faithfulness.per_section([Person("zh", resume, profile, "db")])
    assert list(sections["rerun"]) == ["ungrounded"]
    assert "8" in sections.loc[0, "ungrounded"]


def test_a_fallen_back_section_counts_for_the_model_that_failed_it() -> None:
    profile = english()
    resume = _model_wrote(TemplateWriter().write_one(profile), "Data intern at Initech.")
    # The model's bullets failed twice: the template text stayed and meta names no model.
    resume.meta.grounding.append(
        GroundingCheck(
            section="work[0].highlights",
            outcome="fallback",
            writer="template",
            ungrounded=["name 'Google'"],
        )
    )
    sections = faithfulness.per_section([Person("p", resume, profile, "db")])
    assert list(sections["meta_outcome"]) == ["passed", "fallback"]
    table = faithfulness.by_writer(sections)
    assert len(table) == 1 and table.loc[0, "model"] == "fake-model"
    assert table.loc[0, "fallback"] == 0.5
    assert table.loc[0, "rerun_grounded"] == 1.0  # the template text that was kept is grounded
