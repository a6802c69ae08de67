"""Metadata schema: YAML read with line numbers, fields checked, every problem reported at once."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import FolioError, location

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
# Names Windows reserves for devices: a file called con.html cannot be made or copied there.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))})


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader keeping dates as text: an impossible date gets our message, not PyYAML's.

    libyaml's parser when PyYAML has it: six times faster over a 200-article project.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.1 reads "16:9" as the base-60 number 969; a writer means the ratio (or a time).
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
for _first in "+-0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:str", _SEXAGESIMAL))


@dataclass(frozen=True)
class Field:
    """One metadata field: its kind decides which values are valid and how they are normalised."""

    kind: str
    required: bool = False
    # The valid values, or a function returning them when listing them costs (Pygments' styles).
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    fields: Mapping[str, Field] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None


def load_yaml_mapping(text: str, path: Path, first_line: int,
                      error: type[FolioError]) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse YAML that must be a mapping; return it and the line of each top-level key."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or exc.context or "cannot be read"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark is not mark:
            problem += f" ({exc.context} started on line {first_line + exc.context_mark.line})"
        raise error(f"malformed YAML: {problem}", path, line) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise error(f"malformed YAML: {exc}", path, first_line) from None
    if node is None:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        raise error("metadata must be a mapping of 'field: value' lines, not "
                    f"{_describe_node(node)}", path, first_line + node.start_mark.line)
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        key = str(key_node.value)
        if key in lines:
            raise error(f"field '{key}' is given twice", path,
                        first_line + key_node.start_mark.line)
        lines[key] = first_line + key_node.start_mark.line
    try:
        data = _Loader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML: {exc}", path, first_line) from None
    return {str(k): v for k, v in data.items()}, lines


def _describe_node(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the text {str(node.value)[:40]!r}"


def validate(data: Mapping[str, Any], fields: Mapping[str, Field], path: Path,
             lines: Mapping[str, int], error: type[FolioError]) -> dict[str, Any]:
    """Check ``data`` against ``fields``; return normalised values or raise one listing all."""
    problems: list[tuple[int | None, str]] = []
    result = _validate(data, fields, "", path, lines, problems)
    if problems:
        problems.sort(key=lambda p: p[0] or 0)
        first_line, first = problems[0]
        rest = "; ".join(f"line {ln}: {msg}" if ln else msg for ln, msg in problems[1:])
        raise error(first + (f"; {rest}" if rest else ""), path, first_line)
    return result


def _validate(data: Mapping[str, Any], fields: Mapping[str, Field], prefix: str, path: Path,
              lines: Mapping[str, int], problems: list[tuple[int | None, str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in data or data[name] is None:
            if spec.required:
                problems.append((lines.get(prefix.rstrip(".")) or 1, f"{prefix}{name} is required"))
            continue
        line = lines.get(prefix + name) or lines.get(prefix.rstrip("."))
        try:
            if spec.kind == "mapping":
                value = data[name]
                if not isinstance(value, Mapping):
                    raise ValueError(f"expected a mapping of options, got {_kind(value)}")
                result[name] = _validate(value, spec.fields, f"{prefix}{name}.", path, lines,
                                         problems)
            else:
                result[name] = _CHECKS[spec.kind](data[name], spec)
        except ValueError as exc:
            problems.append((line, f"{prefix}{name}: {exc}"))
    # One warning for them all: an MDN page's front matter has three fields Folio does not use.
    unknown = [name for name in data if name not in fields]
    if unknown:
        line = lines.get(prefix + unknown[0]) or lines.get(prefix.rstrip("."))
        names = ", ".join(f"'{prefix}{name}'" for name in unknown)
        log.warning("%s: unknown field%s %s %s ignored", location(path, line),
                    "s" if len(unknown) > 1 else "", names, "are" if len(unknown) > 1 else "is")
    return result


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__}"


def _text(value: object, spec: Field) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_kind(value)}")
    if not value.strip():
        raise ValueError("is empty")
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise ValueError("contains control characters")
    return value.strip()


def _texts(value: object, spec: Field) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_text(value, spec),)
    if isinstance(value, list) and value:
        return tuple(_text(item, spec) for item in value)
    raise ValueError(f"expected text or a list of texts, got {_kind(value)}")


def _keywords(value: object, spec: Field) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(word.strip() for word in value.split(",") if word.strip())
    return _texts(value, spec)


def _date(value: object, spec: Field) -> dt.date:
    if not isinstance(value, str):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {_kind(value)}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(f"'{value}' is not a real date") from None
        raise ValueError(f"expected a date as YYYY-MM-DD, got '{value}'") from None


def _pattern(regexp: re.Pattern[str], what: str) -> Callable[[object, Field], str]:
    def check(value: object, spec: Field) -> str:
        text = _text(value, spec)
        if not regexp.fullmatch(text):
            raise ValueError(f"'{text}' is not {what}")
        return text
    return check


def _slug(value: object, spec: Field) -> str:
    slug = _pattern(SLUG_RE, "a slug (lower-case letters, digits and hyphens)")(value, spec)
    if slug in RESERVED_NAMES:
        raise ValueError(f"'{slug}' is a reserved device name on Windows; choose another slug")
    return slug


def _code_styles() -> tuple[str, ...]:
    """Return the Pygments styles, loading Pygments only when a project names one."""
    # At import, it would cost a no-op build a fifth of its time.
    from pipeline.highlight import styles

    return styles()


def _choice(value: object, spec: Field) -> str:
    text = _text(value, spec).lower()
    choices = spec.choices() if callable(spec.choices) else spec.choices
    if text not in choices:
        raise ValueError(f"'{text}' is not one of {', '.join(choices)}")
    return text


def _bool(value: object, spec: Field) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def _int(value: object, spec: Field) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {_kind(value)}")
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"must be at least {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum}")
    return value


_CHECKS: dict[str, Callable[[object, Field], Any]] = {
    "text": _text,
    "texts": _texts,
    "keywords": _keywords,
    "date": _date,
    "lang": _pattern(LANG_RE, "a language tag such as en or de-AT"),
    "slug": _slug,
    "url": _pattern(URL_RE, "an http(s) address"),
    "choice": _choice,
    "bool": _bool,
    "int": _int,
    "id": _pattern(re.compile(r"[A-Za-z][\w:.-]*"), "an id such as sec-transform"),
}

# Metadata an article and a book (pipeline/books.py) both describe themselves with.
PUBLICATION_FIELDS: dict[str, Field] = {
    "title": Field("text", required=True),
    "subtitle": Field("text"),
    "author": Field("texts"),
    "date": Field("date"),
    "lang": Field("lang"),
    "description": Field("text"),
    "keywords": Field("keywords"),
    "slug": Field("slug"),
    "rights": Field("text"),
    "cover": Field("text"),
}

# Fields an article's front matter may set. Formats add their own options as mappings here.
ARTICLE_FIELDS: dict[str, Field] = {
    **PUBLICATION_FIELDS,
    # The id "@sec-x" in any article of the build names this one by (a Quarto chapter's).
    "id": Field("id"),
    "bibliography": Field("texts"),
    "csl": Field("text"),
    "nocite": Field("texts"),
    "link-citations": Field("bool"),
    # PDF handout options: a contents list, a ruled notes page, PDF/A-3u instead of PDF/UA-1.
    "handout": Field("mapping", fields={"toc": Field("bool"), "notes_page": Field("bool"),
                                        "archival": Field("bool")}),
    # Slide deck options: bullets per slide, page shape, theme, slides per handout page (3 or 6).
    "slides": Field("mapping", fields={
        "bullets": Field("int", minimum=1, maximum=6),
        "aspect": Field("choice", choices=("16:9", "4:3")),
        "theme": Field("choice", choices=("default", "serif", "contrast")),
        "handout_per_page": Field("int", minimum=3, maximum=6)}),
}

# Project-wide settings in source/folio.yaml; author, lang and rights are defaults for articles.
PROJECT_FIELDS: dict[str, Field] = {
    "site_title": Field("text"),
    "author": Field("texts"),
    "lang": Field("lang"),
    "base_url": Field("url"),
    "paper": Field("choice", choices=("a4", "letter")),
    "theme": Field("choice", choices=("default", "serif", "contrast")),
    "rights": Field("text"),
    # A brand.yml file, relative to the project folder (default: _brand.yml there, if any).
    "brand": Field("text"),
    "code_style": Field("choice", choices=_code_styles),
    "bibliography": Field("texts"),
    "csl": Field("text"),
}
