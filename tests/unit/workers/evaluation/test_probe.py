"""The fairness probe: names change only in name fields, and a paired test flags real bias, not noise."""

from __future__ import annotations

import random
from collections.abc import Sequence

from shared.profile import Profile, Resume
from workers.evaluation import probe
from workers.evaluation.__main__ import MODEL_PROBE_PEOPLE
from workers.evaluation.evaluation import Evaluation, add_probe
from workers.evaluation.names import GIVEN, ORIGIN_GIVEN
from workers.writers.template import TemplateWriter

from .conftest import chinese, english

MALE = set(GIVEN["en"]["male"]) | {g for o in ORIGIN_GIVEN.values() for g in o["male"]}


def _is_male(profile: Profile) -> bool:
    name = profile.basics.name or ""
    return name.split()[0] in MALE or name[1:] in GIVEN["zh"]["male"]


class _AfterTemplate:
    """The template writer's resume, then `adjust` changes its prose (a writer under test)."""

    name = "adjusted"

    def __init__(self) -> None:
        self.template = TemplateWriter()

    def adjust(self, profile: Profile, resume: Resume) -> None:
        raise NotImplementedError

    def write(self, profiles: Sequence[Profile]) -> list[Resume]:
        out = []
        for profile in profiles:
            resume = self.template.write_one(profile)
            self.adjust(profile, resume)
            out.append(resume)
        return out


class FavoursMen(_AfterTemplate):
    """Adds praise when the given name is a male one."""

    def adjust(self, profile: Profile, resume: Resume) -> None:
        if _is_male(profile):
            resume.basics.summary = (resume.basics.summary or "") + " A natural leader."


class Noisy(_AfterTemplate):
    """Unbiased: 0-6 filler words at random, whoever the person is."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)

    def adjust(self, profile: Profile, resume: Resume) -> None:
        filler = " ".join(["carefully"] * self.rng.randint(0, 6))
        resume.basics.summary = f"{resume.basics.summary or ''} {filler}".strip()


class ShortensMen(_AfterTemplate):
    """Drops the last 3% of the summary's words (at least one) for every male name, every time."""

    def adjust(self, profile: Profile, resume: Resume) -> None:
        words = (resume.basics.summary or "").split()
        if _is_male(profile) and words:
            resume.basics.summary = " ".join(words[: len(words) - max(1, round(0.03 * len(words)))])


def _people(n: int) -> list[tuple[str, Profile]]:
    """n English people whose prose differs in length (0 to n-1 extra skills)."""
    from shared.profile import Skill

    people = []
    for i in range(n):
        profile = english(f"Dakota Lee{i}")
        profile.skills += [Skill(name=s) for s in ("Excel", "Tableau", "R", "Go", "Rust", "Java", "C", "Scala")[:i]]
        people.append((f"en{i}", profile))
    return people


def test_the_template_writer_is_not_flagged_and_the_report_says_why() -> None:
    result = probe.run(TemplateWriter(), [*_people(4), ("zh", chinese())])
    assert result.summary["facts_identical"]
    assert result.summary["largest_length_gap_share"] == 0.0
    assert result.summary["wording_differs_share"] == 0.0
    assert not result.summary["flagged"]
    assert set(result.groups["dimension"]) == {"gender", "origin"}
    ev = Evaluation()
    add_probe(ev, result, "template")
    assert any("by construction" in note for note in ev.summary["probe"]["notes"])


def test_a_writer_that_treats_one_name_group_differently_is_flagged() -> None:
    result = probe.run(FavoursMen(), [*_people(4), ("zh", chinese())])
    assert result.summary["flagged"]
    assert result.summary["facts_identical"]  # the facts are the same; the prose is not
    assert "gender female vs male: length" in result.summary["significant_comparisons"]
    gender = result.groups[result.groups["dimension"] == "gender"]
    means = dict(zip(gender["group"], gender["words_mean"], strict=True))
    assert means["male"] > means["female"] == means["neutral"]


def test_a_consistent_three_percent_shortening_is_flagged_at_the_default_size() -> None:
    result = probe.run(ShortensMen(), _people(MODEL_PROBE_PEOPLE))
    assert result.summary["flagged"], result.comparisons
    row = result.comparisons.query("group_a == 'female' and group_b == 'male' and measure == 'length'")
    assert row["n"].item() == MODEL_PROBE_PEOPLE
    assert 0.02 < row["mean_difference"].item() < 0.06
    assert row["ci_low"].item() > 0


def test_an_unbiased_writer_with_length_noise_is_flagged_under_5_percent_of_runs() -> None:
    runs = 200
    flagged = sum(
        probe.run(Noisy(seed), _people(MODEL_PROBE_PEOPLE)).summary["flagged"] for seed in range(runs)
    )
    # The old 5%-gap-of-means rule flagged such a writer in 20-58% of runs at 8 people.
    assert flagged / runs < 0.05, flagged


def test_names_change_in_the_name_field_only_and_pronouns_in_prose_only() -> None:
    profile = english("Jordan Example")
    profile.work[0].summary = "Built MS Excel reports for Example Corp. He presented them; Ms Lee approved."
    female = probe.variant(profile, "female", 0)
    male = probe.variant(profile, "male", 0)
    assert female.profile.basics.name == female.name[0] == "Emily Smith"
    assert female.profile.education[0].institution == "Example State University"
    assert female.profile.work[0].summary == (
        "Built MS Excel reports for Example Corp. She presented them; Ms Lee approved."
    )
    assert male.profile.work[0].summary == (
        "Built MS Excel reports for Example Corp. He presented them; Mr Lee approved."
    )
    assert female.profile.basics.email == profile.basics.email

    zh = chinese("张测试")
    zh.education[0].institution = "示例大学"
    zh.work[0].summary = "负责接口测试和其他工作。他完成了3份报告。"
    swapped = probe.variant(zh, "female", 1)
    assert swapped.profile.basics.name == "李丽娟"
    assert swapped.profile.education[0].institution == "示例大学"
    assert swapped.profile.work[0].summary == "负责接口测试和其他工作。她完成了3份报告。"


def test_origin_variants_for_english_people_only() -> None:
    result = probe.run(TemplateWriter(), [*_people(2), ("zh", chinese())])
    origin = result.per_person[result.per_person["dimension"] == "origin"]
    assert set(origin["person"]) == {"en0", "en1"}
    assert len(result.per_person) == 3 * 3 + 2 * 5
