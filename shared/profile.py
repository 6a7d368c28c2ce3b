"""The canonical Profile (a person's facts) and Resume (facts plus written prose): JSON Resume + meta.

Field names follow the JSON Resume schema exactly (camelCase) so that `model_dump` is the export.
Dates are JSON Resume's partial ISO 8601 strings (`2024`, `2024-06`, `2024-06-30`): a date keeps the
precision it came with.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "zh"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Location(_Part):
    address: str | None = None
    city: str | None = None
    region: str | None = None
    countryCode: str | None = None
    postalCode: str | None = None


class SocialProfile(_Part):
    network: str | None = None
    username: str | None = None
    url: str | None = None


class Basics(_Part):
    name: str
    label: str | None = None
    image: str | None = None
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    summary: str | None = None
    location: Location | None = None
    profiles: list[SocialProfile] = Field(default_factory=list)


class Work(_Part):
    name: str | None = None
    position: str | None = None
    location: str | None = None
    description: str | None = None
    url: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    summary: str | None = None
    highlights: list[str] = Field(default_factory=list)


class Volunteer(_Part):
    organization: str | None = None
    position: str | None = None
    url: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    summary: str | None = None
    highlights: list[str] = Field(default_factory=list)


class Education(_Part):
    institution: str | None = None
    url: str | None = None
    area: str | None = None
    studyType: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    score: str | None = None
    courses: list[str] = Field(default_factory=list)


class Skill(_Part):
    name: str
    level: str | None = None
    keywords: list[str] = Field(default_factory=list)


class LanguageSkill(_Part):
    language: str
    fluency: str | None = None


class Award(_Part):
    title: str
    date: str | None = None
    awarder: str | None = None
    summary: str | None = None


class Certificate(_Part):
    name: str
    date: str | None = None
    issuer: str | None = None
    url: str | None = None


class Project(_Part):
    name: str
    description: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    url: str | None = None
    highlights: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    entity: str | None = None
    type: str | None = None


class Publication(_Part):
    name: str | None = None
    publisher: str | None = None
    releaseDate: str | None = None
    url: str | None = None
    summary: str | None = None


class Interest(_Part):
    name: str
    keywords: list[str] = Field(default_factory=list)


class Reference(_Part):
    name: str | None = None
    reference: str | None = None


class GroundingCheck(_Part):
    """The outcome of the grounding guard for one written section (docs/design.md §6)."""

    section: str
    outcome: Literal["passed", "regenerated", "fallback", "not_checked"]
    ungrounded: list[str] = Field(default_factory=list)
    # Why the model's text failed (the guard's or the parser's words); None when it passed first time.
    reason: str | None = None
    # Who wrote the text that was kept: "llm" with its model, or "template" after a fallback.
    writer: str | None = None
    model: str | None = None


class Meta(_Part):
    language: Language = "en"
    # Which text came from where: field path → "input" or "<writer>[:<model>]".
    provenance: dict[str, str] = Field(default_factory=dict)
    grounding: list[GroundingCheck] = Field(default_factory=list)
    # The target job description the row asked to tailor to (input, not output).
    targetJob: str | None = None
    # JSON Resume's own meta fields, kept as the input gave them.
    canonical: str | None = None
    lastModified: str | None = None
    version: str = "cohortcv-1"


class Profile(_Part):
    """One person's facts as read from the input, in JSON Resume shape."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    # The schema URL a JSON Resume document names itself with; kept so the output says the same.
    schema_: str | None = Field(default=None, alias="$schema")
    basics: Basics
    work: list[Work] = Field(default_factory=list)
    volunteer: list[Volunteer] = Field(default_factory=list)
    education: list[Education] = Field(default_factory=list)
    skills: list[Skill] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    awards: list[Award] = Field(default_factory=list)
    certificates: list[Certificate] = Field(default_factory=list)
    publications: list[Publication] = Field(default_factory=list)
    languages: list[LanguageSkill] = Field(default_factory=list)
    interests: list[Interest] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    meta: Meta = Field(default_factory=Meta)


class Resume(Profile):
    """A Profile whose prose fields a writer has filled in; `meta` says who wrote what."""

    def to_json_resume(self) -> dict[str, object]:
        """The JSON Resume document: empty sections and unset fields left out."""
        return self.model_dump(
            mode="json", exclude_none=True, exclude_defaults=False, by_alias=True
        )
