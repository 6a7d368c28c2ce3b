"""Where the fonts for PDF rendering come from: Noto CJK for Chinese, Typst's embedded fonts
for Latin text."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Final

CJK_SANS: Final = "Noto Sans CJK SC"
# Typst ships Libertinus Serif inside the binary, so English needs no system font at all.
LATIN_SERIF: Final = "Libertinus Serif"
# Debian/Ubuntu (fonts-noto-cjk), Fedora, Arch, and the Docker image's copy.
_KNOWN_CJK_DIRS: Final = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/truetype/noto",
)


@lru_cache(maxsize=1)
def find_cjk_font_dir() -> Path | None:
    """The folder that holds Noto Sans CJK, from known paths or fontconfig; None if absent."""
    for folder in _KNOWN_CJK_DIRS:
        path = Path(folder)
        if any(path.glob("NotoSansCJK*")):
            return path
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{family}\n%{file}", CJK_SANS],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    # fc-match always answers with *some* font; only trust it when it is really Noto CJK.
    if len(found) == 2 and "Noto Sans CJK" in found[0]:
        return Path(found[1]).parent
    return None
