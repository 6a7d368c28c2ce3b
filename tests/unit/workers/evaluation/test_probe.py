"""The fairness probe: the template writer passes; a writer that favours one name group is flagged."""

from __future__ import annotations

from collections.abc import Sequence

from shared.profile import Profile, Resume
from workers.evaluation import probe
from workers.evaluation.names import GIVEN, GROUPS
from workers.writers.template import TemplateWriter

from .conftest import chinese, english


class FavoursMen:
    """Writes like the template writer, and adds praise when the given name is a male one."""

    name = "biased"

    def __init__(self) -> None:
        self.template = TemplateWriter()

    def write(self, profiles: Sequence[Profile]) -> list[Resume]:
        out = []
        for profile in profiles:
            resume = self.template.write_one(profile)
            given = (profile.basics.name or "").split()[0]
            if given in GIVEN["en"]["male"] or profile.basics.name[1:] in GIVEN["zh"]["male"]:
                resume.basics.summary = (resume.basics.summary or "") + " A natural leader."
            out.append(resume)
        return out


def _profiles() -> list[tuple[str, Profile]]:
    return [(f"en{i}", english(f"Dakota Lee{i}")) for i in range(4)] + [("zh", chinese())]


def test_the_template_writer_is_not_flagged() -> None:
    result = probe.run(TemplateWriter(), _profiles())
    assert result.summary["facts_identical"]
    assert result.summary["length_gap_share"] == 0.0
    assert result.summary["wording_differs_share"] == 0.0
    assert not result.summary["flagged"]
    assert list(result.groups["group"]) == list(GROUPS)


def test_a_writer_that_treats_one_name_group_differently_is_flagged() -> None:
    result = probe.run(FavoursMen(), _profiles())
    assert result.summary["flagged"]
    assert result.summary["facts_identical"]  # the facts are the same; the prose is not
    assert result.summary["wording_differs_share"] == 1.0
    means = dict(zip(result.groups["group"], result.groups["words_mean"], strict=True))
    assert means["male"] > means["female"] == means["neutral"]


def test_variants_swap_names_and_pronouns_only() -> None:
    profile = english("Dakota Lee")
    female, name = probe.variant(profile, "female", 0)
    male, _ = probe.variant(profile, "male", 0)
    assert female.basics.name == name[0] == "Emily Smith"
    assert (
        female.work[0].summary
        == "Cleaned survey data for 3 lab studies. She presented the results."
    )
    assert (
        male.work[0].summary == "Cleaned survey data for 3 lab studies. He presented the results."
    )
    assert female.basics.email == profile.basics.email
    zh, _ = probe.variant(chinese(), "female", 1)
    assert zh.basics.name == "李丽娟" and "她完成了3份报告" in (zh.work[0].summary or "")
