"""Write a deterministic project of N articles (headings, footnotes, lists, a table) and a book."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

BOOK = "books/all.yaml"
SEED = 6

# A small vocabulary is enough: the engine's cost depends on structure and length, not on words.
WORDS = (
    "relationship", "therapy", "patient", "listening", "silence", "attention", "memory", "change",
    "growth", "healing", "trust", "session", "language", "feeling", "dream", "image", "story",
    "practice", "theory", "method", "question", "answer", "moment", "process", "connection",
    "presence", "distance", "boundary", "frame", "setting", "work", "meaning", "experience",
    "insight", "symbol", "attachment", "conflict", "resolution", "river", "bridge", "garden",
    "season", "light", "shadow", "voice", "letter", "teacher", "student", "reader", "writer",
    "course", "lesson", "chapter", "evidence", "example", "pattern", "habit", "culture"
)
TOPICS = (
    "Listening", "Silence", "Memory", "Change", "Trust", "Dreams", "Boundaries", "Presence",
    "Symbols", "Attachment", "Seasons", "Letters", "Gardens", "Bridges", "Voices", "Habits",
    "Patterns", "Evidence", "Lessons", "Stories"
)
AUTHORS = ("Dana Samperio", "Jonas Weber", "Amina Okafor", "Lea Brandt", "Tomás Ruiz")


def generate(root: Path, count: int, seed: int = SEED) -> list[Path]:
    """Write ``count`` articles, the project file and the book under ``root``; return sources."""
    rng = random.Random(seed)
    source = root / "source"
    (source / "books").mkdir(parents=True, exist_ok=True)
    (source / "folio.yaml").write_text(
        "site_title: Folio benchmark\nlang: en\npaper: a4\ntheme: default\n", encoding="utf-8")
    paths = []
    for number in range(1, count + 1):
        # The zero-padded number leads the slug, so no slug is a substring of another one
        # (the benchmark tells an article's outputs apart by their names).
        slug = f"a{number:03d}-{rng.choice(TOPICS).lower()}"
        path = source / f"{slug}.md"
        path.write_text(article_text(rng, number, slug), encoding="utf-8")
        paths.append(path)
    contents = "".join(f"  - {path.name}\n" for path in paths)
    (source / BOOK).write_text(
        f"title: All {count} articles\nauthor: Folio benchmark\ncontents:\n{contents}",
        encoding="utf-8")
    return paths


def article_text(rng: random.Random, number: int, slug: str) -> str:
    """Return one article: front matter, then 2 to 6 sections of varied length."""
    title = f"{rng.choice(TOPICS)} and {rng.choice(TOPICS)} {number}"
    date = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(365))
    lines = ["---", f"title: {title}", f"slug: {slug}", f"author: {rng.choice(AUTHORS)}",
             f"date: {date.isoformat()}", "lang: en",
             f"description: {sentence(rng, 10, 16)}", "---", ""]
    notes: list[str] = []
    lines += [paragraph(rng, notes), ""]
    for section in range(rng.randint(2, 6)):
        lines += [f"## {rng.choice(TOPICS)} {section + 1}", ""]
        for _ in range(rng.randint(1, 3)):
            lines += [paragraph(rng, notes), ""]
        kind = rng.randrange(4)
        if kind == 0:
            lines += [f"- {sentence(rng, 4, 10)}" for _ in range(rng.randint(2, 5))] + [""]
        elif kind == 1:
            lines += [f"{i}. {sentence(rng, 4, 10)}" for i in range(1, rng.randint(3, 6))] + [""]
        elif kind == 2:
            lines += [*table(rng), ""]
    lines += [f"[^{i}]: {note}" for i, note in enumerate(notes, start=1)]
    return "\n".join(lines).rstrip() + "\n"


def paragraph(rng: random.Random, notes: list[str]) -> str:
    """Return a paragraph of 2 to 6 sentences; about one in three carries a footnote."""
    text = " ".join(sentence(rng, 8, 24) for _ in range(rng.randint(2, 6)))
    if rng.random() < 0.35:
        notes.append(sentence(rng, 6, 18))
        text += f"[^{len(notes)}]"
    return text


def sentence(rng: random.Random, shortest: int, longest: int) -> str:
    """Return a capitalised sentence of ``shortest`` to ``longest`` words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(shortest, longest))]
    return " ".join(words).capitalize() + "."


def table(rng: random.Random) -> list[str]:
    """Return a pipe table of three columns and 2 to 5 rows."""
    rows = ["| Term | Sessions | Note |", "|------|---------:|------|"]
    rows += [f"| {rng.choice(WORDS)} | {rng.randint(1, 40)} | {sentence(rng, 2, 5)} |"
             for _ in range(rng.randint(2, 5))]
    return rows


def main() -> None:
    """Write a benchmark project: ``python -m bench.generate DIR --articles N``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("root", type=Path, help="project folder to write (made if missing)")
    parser.add_argument("--articles", type=int, default=200, help="how many articles")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args()
    generate(args.root, args.articles, args.seed)


if __name__ == "__main__":
    main()
