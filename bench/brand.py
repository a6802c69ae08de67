"""A brand for the benchmark: a palette, two font files, an SVG logo with a dark variant."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

FONTS = Path("/usr/share/fonts/truetype/dejavu")
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
        '<rect width="40" height="40" rx="8" fill="#7a1f3d"/><text x="48" y="28" '
        'font-family="DejaVu Sans" font-size="20" fill="{fill}">Bench</text></svg>')


def brand(fonts: bool) -> dict[str, Any]:
    """Return the brand, with two font files of its own when ``fonts``."""
    body = "Bench Serif" if fonts else "DejaVu Serif"
    typography: dict[str, Any] = {"base": {"family": body},
                                  "headings": {"family": body, "weight": "bold",
                                               "color": "primary"}}
    if fonts:
        typography["fonts"] = [{"family": body, "source": "file", "files": [
            {"path": "fonts/BenchSerif.ttf"},
            {"path": "fonts/BenchSerif-Bold.ttf", "weight": 700}]}]
    return {"meta": {"name": "Bench School", "link": "https://example.org"},
            "color": {"palette": {"claret": "#7a1f3d", "ink": "#1b1b1f"},
                      "primary": "claret", "foreground": "ink", "background": "#fffdf8"},
            "typography": typography,
            "logo": {"small": "logo.svg",
                     "medium": {"light": "logo.svg", "dark": "logo-dark.svg"},
                     "large": {"path": "logo.svg", "alt": "Bench School"}}}


def add_brand(root: Path) -> None:
    """Write a _brand.yml and its files into the project at ``root``."""
    (root / "logo.svg").write_text(LOGO.format(fill="#1b1b1f"), encoding="utf-8")
    (root / "logo-dark.svg").write_text(LOGO.format(fill="#ffffff"), encoding="utf-8")
    fonts = (FONTS / "DejaVuSerif.ttf").is_file() and (FONTS / "DejaVuSerif-Bold.ttf").is_file()
    if fonts:
        (root / "fonts").mkdir(exist_ok=True)
        shutil.copy(FONTS / "DejaVuSerif.ttf", root / "fonts" / "BenchSerif.ttf")
        shutil.copy(FONTS / "DejaVuSerif-Bold.ttf", root / "fonts" / "BenchSerif-Bold.ttf")
    (root / "_brand.yml").write_text(yaml.safe_dump(brand(fonts), sort_keys=False),
                                     encoding="utf-8")
