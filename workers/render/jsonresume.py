"""JSON Resume output: `resume.json`, the canonical model as the JSON Resume schema spells it."""

from __future__ import annotations

import json

from shared.profile import Resume


class JsonResumeRenderer:
    """Renders `resume.json` (JSON Resume with cohortcv's `meta` extensions)."""

    format = "json"
    extension = "json"
    media_type = "application/json"

    def render(self, resume: Resume) -> bytes:
        document = resume.to_json_resume()
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
