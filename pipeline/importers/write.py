"""Write imported articles (front matter, body, images, bibliographies) and books into source/."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pipeline.books import BOOKS_DIR
from pipeline.cells import with_code_cells
from pipeline.errors import FolioError, location
from pipeline.importers.base import Book, Imported, ImportFailed, Options, parse_date
from pipeline.importers.pandoc_ast import walk, write_markdown
from pipeline.output import OutputDir
from pipeline.project import Project
from pipeline.schema import ARTICLE_FIELDS, RESERVED_NAMES, SLUG_RE, validate
from pipeline.source import parse_body, slugify

log = logging.getLogger(__name__)

# The order fields are written in: the order of the README's table.
FIELD_ORDER = ("title", "subtitle", "author", "date", "lang", "description", "keywords", "slug",
               "id", "rights", "cover", "bibliography", "csl", "nocite", "link-citations")


@dataclass(frozen=True)
class Written:
    """What one imported article became: its file and the facts the summary line shows."""

    path: Any
    title: str
    words: int
    images: int
    footnotes: int
    dropped: str


def choose_slug(item: Imported, options: Options, taken: Collection[str] = ()) -> str:
    """Return the slug of ``item``: ``--slug``, the document's own, or one made from the title.

    A file's own name stands in for a title with no ASCII letters ("Русский вариант") and for
    one another document of the same import has already taken (two templates' "MyTitle").
    """
    made = slugify(item.title)
    if item.origin.path is not None and (not made or made in taken):
        made = slugify(item.origin.path.stem) or made
    slug = options.slug or item.slug or made or "article"
    if not SLUG_RE.fullmatch(slug) or slug in RESERVED_NAMES:
        if options.slug:
            raise ImportFailed(f"--slug '{slug}' is not a slug (lower-case letters, digits, "
                               "hyphens)", item.origin.label)
        slug = slugify(slug) or "article"
    return slug


def front_matter(item: Imported, project: Project, slug: str) -> dict[str, Any]:
    """Return the article's metadata in Folio's schema, checked as ``folio check`` would."""
    meta = {key: value for key, value in item.meta.items() if value not in (None, "", [], ())}
    meta["title"] = item.title
    meta.setdefault("lang", project.settings["lang"])
    if slug != slugify(item.title):
        # The outputs' names come from the title unless told: the file's name alone would
        # leave build/ under another name, and two pages of one title clashing there (an
        # article named after its file, its title being another's, is one of those).
        meta["slug"] = slug
    meta = _as_written(meta)
    ordered = {key: meta[key] for key in FIELD_ORDER if key in meta}
    # The schema is the judge: what would make 'folio check' fail must not be written.
    as_text = {key: value.isoformat() if isinstance(value, dt.date) else value
               for key, value in ordered.items()}
    validate(as_text, ARTICLE_FIELDS, project.source_dir / f"{slug}.md", {}, ImportFailed)
    return ordered


def _as_written(meta: dict[str, Any]) -> dict[str, Any]:
    """Make ``meta``'s date a date (or drop one that is none) and a lone author a name."""
    if "date" in meta:
        meta["date"] = parse_date(meta["date"])
        if meta["date"] is None:
            del meta["date"]
    if isinstance(meta.get("author"), list) and len(meta["author"]) == 1:
        meta["author"] = meta["author"][0]
    return meta


def _yaml(data: dict[str, Any]) -> str:
    """Return ``data`` as the YAML Folio's sources are written in: in order, Unicode as is."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000,
                          default_flow_style=False)


def _refuse_existing(path: Path, options: Options, label: str) -> None:
    """Refuse to replace the file at ``path`` unless ``--force`` was given."""
    if path.exists() and not options.force:
        raise ImportFailed(f"{location(path)} already exists; use --force to replace it", label)


def render(item: Imported, project: Project, slug: str,
           api: list[int]) -> tuple[str, str, dict[str, bytes]]:
    """Return the article's front matter and body, and its files (images, bibliographies) by path
    inside ``source/``."""
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for key, data in item.media.items():
        name = _image_name(key, data, set(names.values()))
        names[key] = f"images/{slug}/{name}"
        files[names[key]] = data

    def retarget(node: dict[str, Any]) -> list[dict[str, Any]]:
        if node["t"] == "Image" and node["c"][2][0] in names:
            node["c"][2][0] = names[node["c"][2][0]]
        return [node]

    # Its bibliographies and citation style, beside its images: named from source/, as the
    # article names them.
    for name, data in item.files.items():
        names[name] = f"references/{slug}/{name}"
        files[names[name]] = data
    blocks = walk(item.blocks, retarget)
    meta = front_matter(item, project, slug)
    if "cover" in meta and meta["cover"] in names:
        meta["cover"] = names[meta["cover"]]
    if "bibliography" in meta:
        meta["bibliography"] = [names[name] for name in meta["bibliography"]]
    if "csl" in meta:
        meta["csl"] = names[meta["csl"]]
    head = _yaml(meta)
    body = write_markdown(blocks, api, item.origin.label) if blocks else ""
    return f"---\n{head}---\n\n", body, files


def _image_name(key: str, data: bytes, taken: set[str]) -> str:
    """Return a plain file name for an image: its own name, made unique by a short hash."""
    stem = slugify(PurePosixPath(key.split("?")[0]).stem) or "image"
    suffix = PurePosixPath(key.split("?")[0]).suffix.lower()
    if suffix not in {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}:
        suffix = _sniff_suffix(data)
    name = f"{stem}{suffix}"
    if name in taken:
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
    return name


def _sniff_suffix(data: bytes) -> str:
    for magic, suffix in ((b"\x89PNG", ".png"), (b"\xff\xd8", ".jpg"), (b"GIF8", ".gif"),
                          (b"RIFF", ".webp")):
        if data.startswith(magic):
            return suffix
    return ".svg" if b"<svg" in data[:1000] else ".png"


def write_article(item: Imported, project: Project, options: Options, api: list[int],
                  slug: str | None = None) -> Written:
    """Write ``item`` to ``source/<slug>.md`` and its files; refuse to overwrite without force."""
    slug = slug or choose_slug(item, options)
    path = project.source_dir / f"{slug}.md"
    _refuse_existing(path, options, item.origin.label)
    head, body, files = render(item, project, slug, api)
    # Counted as Folio's own reader counts them, from the very text written (its cells
    # marked as the reader marks them).
    _, parsed = parse_body(with_code_cells(body), path, project, {}, {})
    if not options.dry_run:
        out = OutputDir(project.source_dir)
        try:
            for relative, data in files.items():
                out.write_bytes(relative, data)
            out.write_text(f"{slug}.md", head + body)
        except FolioError as exc:
            raise ImportFailed(exc.reason, item.origin.label) from None
    dropped = ", ".join(f"{n} {what}" if n > 1 else what
                        for what, n in sorted(item.dropped.items()))
    words = sum(len(part["text"].split()) for part in (*parsed["blocks"], *parsed["notes"]))
    return Written(path=path, title=item.title, words=words, images=len(parsed["images"]),
                   footnotes=len(parsed["notes"]), dropped=dropped)


def write_book(book: Book, chapters: list[tuple[str | None, Path]], project: Project,
               options: Options, slug: str) -> Path:
    """Write the book file ``slug`` listing ``chapters`` (each in its part, if any) in order.

    Refused, as an article is, when it exists and ``--force`` was not given.
    """
    contents: list[Any] = []
    for part, path in chapters:
        name = path.relative_to(project.source_dir).as_posix()
        if part is None:
            contents.append(name)
        elif contents and isinstance(contents[-1], dict) and contents[-1]["part"] == part:
            contents[-1]["articles"].append(name)
        else:
            contents.append({"part": part, "articles": [name]})
    fields = _as_written(dict(book.meta))
    relative = f"{BOOKS_DIR}/{slug}.yaml"
    path = project.source_dir / relative
    _refuse_existing(path, options, str(chapters[0][1]))
    if not options.dry_run:
        try:
            OutputDir(project.source_dir).write_text(relative,
                                                     _yaml({**fields, "contents": contents}))
        except FolioError as exc:
            raise ImportFailed(exc.reason, str(path)) from None
    return path
