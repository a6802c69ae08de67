"""The one Jinja environment: the project's templates first, Folio's defaults after."""

from __future__ import annotations

import json

import jinja2
from markupsafe import Markup

from pipeline.errors import BuildError
from pipeline.highlight import DARK_STYLE, code_html, style_css
from pipeline.i18n import format_date, join_names, translate
from pipeline.project import Project


def make_environment(project: Project) -> jinja2.Environment:
    """Return the environment every format renders with."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.template_search_path),
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
    env.globals["translate"] = translate
    env.globals["code_css"] = code_css
    env.globals["code_block"] = lambda tokens: Markup(code_html(list(tokens)))
    return env


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

