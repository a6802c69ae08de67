"""The one Jinja environment: the project's templates first, Folio's defaults after."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import jinja2
import jinja2.bccache
from markupsafe import Markup

from pipeline.cache import CACHE_DIR, TEMPLATE_CACHE, code_fingerprint, digest
from pipeline.errors import BuildError
from pipeline.highlight import DARK_STYLE, code_html, style_css
from pipeline.i18n import (
    date_attributes,
    format_date,
    join_names,
    text_direction,
    translate,
    words_attributes,
)
from pipeline.project import Project


def make_environment(project: Project, cached: bool = False) -> jinja2.Environment:
    """Return the environment every format renders with.

    ``cached`` (a build): compiled templates are kept in the build cache, so that each worker
    process, and each later build, loads them instead of compiling them again.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.template_search_path),
        bytecode_cache=TemplateCache(project.build_dir / CACHE_DIR / TEMPLATE_CACHE)
        if cached else None,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xhtml", "xml", "html.j2", "xhtml.j2", "xml.j2"),
            default_for_string=True,
        ),
        # A misspelt variable is a template bug; silence would print an empty string.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_text"] = format_date
    env.filters["names"] = join_names
    env.filters["json_script"] = json_script
    env.filters["direction"] = text_direction
    env.globals["translate"] = translate
    env.globals["words_attributes"] = lambda lang: Markup(words_attributes(lang))
    env.globals["date_attributes"] = lambda lang: Markup(date_attributes(lang))
    env.globals["code_css"] = code_css
    env.globals["code_block"] = lambda tokens: Markup(code_html(list(tokens)))
    return env


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept by name and checked against their source and Folio's code."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def get_source_checksum(self, source: str) -> str:
        """Return what a kept template must match: its source, and Folio's code (options)."""
        return digest(code_fingerprint(), source)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Load a kept template, if there is one to read; if not, it is compiled."""
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a compiled template (atomically); a cache that cannot be written is no error."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)


def code_css(style: str, dark: bool = False) -> Markup:
    """Return the stylesheet of highlighted code in ``style``; ``dark`` adds the dark-screen one."""
    return Markup(style_css(style, DARK_STYLE if dark else None))


def json_script(value: object) -> Markup:
    """Serialise ``value`` as JSON safe to embed in a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
    # "</" would end the script element early; "<!--" would start a comment state.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def render(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    """Render template ``name``, turning template mistakes into a one-line ``BuildError``."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(f"template error: {exc.message}", exc.filename or name,
                         exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template '{exc.name}' not found in templates/ or Folio's defaults"
                         ) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"template '{name}': {exc.message}") from None

