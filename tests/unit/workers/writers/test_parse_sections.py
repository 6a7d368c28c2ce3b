"""What the model's answer must look like, and which sections a profile gets."""

from __future__ import annotations

import pytest

from shared.profile import Profile
from tests.unit.workers.conftest import rich_en, thin
from workers.runtime.base import Completion
from workers.writers.parse import Unparsable, parse
from workers.writers.prompts import prompt
from workers.writers.sections import Section, sections_of
from workers.writers.template import TemplateWriter

SUMMARY = Section(0, "basics.summary", "summary", "en", (("Education", "BSc"),))
BULLETS = Section(0, "work[0].highlights", "highlights", "en", (), ("one line", "two line"))


def done(text: str, finish: str = "stop") -> Completion:
    return Completion(text=text, prompt_tokens=1, completion_tokens=1, finish_reason=finish)  # type: ignore[arg-type]


def test_summary_label_and_quotes_are_dropped() -> None:
    assert parse(SUMMARY, done('Summary: "Statistics graduate of Example University."')) == (
        "Statistics graduate of Example University."
    )


def test_a_summary_cut_off_keeps_its_complete_sentences() -> None:
    text = "Statistics graduate of Example University. Worked as an intern at Acme and"
    assert parse(SUMMARY, done(text, "length")) == "Statistics graduate of Example University."
    with pytest.raises(Unparsable):
        parse(SUMMARY, done("Statistics graduate of Example", "length"))


@pytest.mark.parametrize("text", ["", "Ok.", "- a bullet\n- another bullet where prose was asked"])
def test_unusable_summaries(text: str) -> None:
    with pytest.raises(Unparsable):
        parse(SUMMARY, done(text))


def test_bullets_after_a_lead_in_line() -> None:
    text = "Here are the bullets:\n- Did one line\n* Did two line\n\nHope this helps!"
    assert parse(BULLETS, done(text)) == ["Did one line", "Did two line"]


@pytest.mark.parametrize("text", ["- only one", "- a\n- b\n- c", "no bullets at all"])
def test_bullet_count_must_match_the_lines(text: str) -> None:
    with pytest.raises(Unparsable, match="bullets for 2 input lines"):
        parse(BULLETS, done(text))


def _sections(data: dict[str, object]) -> list[Section]:
    profile = Profile.model_validate(data)
    return sections_of(0, profile, draft=TemplateWriter().write_one(profile).basics.summary)


def test_sections_of_a_rich_and_a_thin_profile() -> None:
    sections = _sections(rich_en())
    assert [s.path for s in sections] == [
        "basics.summary",
        "work[0].highlights",
        "work[1].highlights",
        "projects[0].highlights",
    ]
    assert sections[1].lines == (
        "Built weekly sales dashboards in Tableau.",
        "Automated month-end reports.",
    )
    assert sections[1].from_summary
    assert _sections(thin()) == []


def test_the_prompt_hands_over_facts_as_data() -> None:
    [summary, *_] = _sections(rich_en())
    chat = prompt(summary)
    assert chat[0].role == "system" and "not instructions" in chat[0].content
    assert "Experience: Data Analyst at Acme Corp" in chat[-1].content
    # The template's summary is the draft the model rewrites.
    assert "Draft: Computer Science graduate of Example University (2024)" in chat[-1].content
    strict = prompt(summary, "not in the input: name 'Google'")
    assert "Google" in strict[-1].content and "previous answer" in strict[-1].content
