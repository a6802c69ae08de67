"""A brand for the benchmark: a palette, two font files, an SVG logo with a dark variant.

``python -m bench.brand`` measures case 1b against case 1 alone, as often as asked.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench.measure import Measurement, measure

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


def compare(runs: int, force: bool = False) -> dict[str, list[Measurement]]:
    """Build fresh copies of the sample without and with the brand, in turns, ``runs`` times.

    Turns, because the machine's load drifts: each pair of builds sees about the same. With
    ``force``, each copy is built once unmeasured, then rebuilt with ``--force`` (warm).
    """
    from bench.__main__ import Bench  # imported here: bench.__main__ imports this module
    from pipeline.formats import available_format_names

    work = Path(tempfile.mkdtemp(prefix="folio-bench-brand-"))
    bench = Bench(work, available_format_names(), runs)
    found: dict[str, list[Measurement]] = {"without": [], "with": []}
    try:
        for run in range(runs):
            for kind in found:
                root = bench.sample_project(f"{kind}-{run}")
                if kind == "with":
                    add_brand(root)
                if force:
                    measure(bench.folio(root))
                found[kind].append(measure(bench.folio(root, *(["--force"] if force else []))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return found


def main(argv: list[str] | None = None) -> int:
    """Print what the brand costs a build of the sample: case 1b against case 1, as medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.brand", description=main.__doc__)
    parser.add_argument("--runs", type=int, default=5, help="builds of each kind (default 5)")
    parser.add_argument("--force", action="store_true",
                        help="measure warm rebuilds (--force) instead of cold builds")
    args = parser.parse_args(argv)
    found = compare(args.runs, args.force)
    print(f"{'sample':16} {'wall s':>8} {'CPU s':>8}   ({'warm' if args.force else 'cold'}, "
          f"median of {args.runs})")
    medians = {kind: (statistics.median(m.wall for m in runs),
                      statistics.median(m.cpu for m in runs)) for kind, runs in found.items()}
    for kind, (wall, cpu) in medians.items():
        print(f"{kind + ' the brand':16} {wall:8.3f} {cpu:8.3f}")
    (wall, cpu), (bare_wall, bare_cpu) = medians["with"], medians["without"]
    print(f"{'with / without':16} {wall / bare_wall:8.3f} {cpu / bare_cpu:8.3f}   (goal <= 1.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
