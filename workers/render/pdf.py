"""PDF output through Typst: the view goes in as JSON via sys.inputs, one compiler per renderer."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.errors import RenderError
from shared.profile import Resume
from workers.render.fonts import CJK_SANS, LATIN_SERIF, find_cjk_font_dir
from workers.render.labels import LABEL_SEPARATOR
from workers.render.view import build_view

if TYPE_CHECKING:
    import typst

TEMPLATE = Path(__file__).parent / "templates" / "resume.typ"


class PdfRenderer:
    """Renders `resume.pdf`; holds one lazily created Typst compiler for the whole process.

    A fresh `typst.compile` rescans fonts and re-parses the template every call (tens of ms);
    a reused `typst.Compiler` keeps fonts and parsed sources and takes a few ms per page.
    """

    format = "pdf"
    extension = "pdf"
    media_type = "application/pdf"

    def __init__(
        self,
        font_dirs: Sequence[Path | str] | None = None,
        paper: str = "a4",
    ) -> None:
        # None means "find Noto CJK"; an explicit list is used as given (tests, custom images).
        self._font_dirs = font_dirs
        self._paper = paper
        self._compiler: typst.Compiler | None = None
        self._has_cjk = False
        # typst.Compiler.compile borrows the compiler mutably; threads must take turns.
        self._lock = threading.Lock()

    def _get_compiler(self) -> typst.Compiler:
        if self._compiler is None:
            import typst  # imported here so `import workers.render` stays light

            if self._font_dirs is None:
                cjk = find_cjk_font_dir()
                dirs = [cjk] if cjk else []
            else:
                dirs = [Path(p) for p in self._font_dirs]
            self._has_cjk = any(any(Path(d).glob("NotoSansCJK*")) for d in dirs)
            # With the CJK folder known, skip the system font scan: it costs start-up time and
            # could substitute a different face for the one a resume is tested with.
            self._compiler = typst.Compiler(
                str(TEMPLATE),
                root=str(TEMPLATE.parent),
                font_paths=[str(d) for d in dirs],
                ignore_system_fonts=self._has_cjk,
            )
        return self._compiler

    def document(self, resume: Resume) -> dict[str, Any]:
        """The JSON object the Typst template receives as `sys.inputs.data`."""
        view: dict[str, Any] = dict(build_view(resume))
        lang = resume.meta.language
        view["paper"] = self._paper
        view["colon"] = LABEL_SEPARATOR[lang]
        view["fonts"] = [CJK_SANS, LATIN_SERIF] if lang == "zh" else [LATIN_SERIF, CJK_SANS]
        return view

    def render(self, resume: Resume) -> bytes:
        data = json.dumps(self.document(resume), ensure_ascii=False)
        with self._lock:
            compiler = self._get_compiler()
            if resume.meta.language == "zh" and not self._has_cjk:
                raise RenderError(
                    f"pdf: no {CJK_SANS} font found for a Chinese resume; "
                    "install fonts-noto-cjk or pass font_dirs"
                )
            try:
                pdf = compiler.compile(format="pdf", sys_inputs={"data": data})
            except Exception as exc:  # typst.TypstError and binding errors alike
                raise RenderError(f"pdf: {exc}") from exc
        if not isinstance(pdf, bytes):
            raise RenderError("pdf: Typst returned no single document")
        return pdf
