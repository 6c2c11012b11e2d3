"""Pages: the HTML templates (Jinja2, ``sim/report/templates/``), rendered with autoescaping.

One template engine for every page the project writes (the run report of
:mod:`sim.report.comparison`, the study report of :mod:`sim.report.study`). Autoescaping is on for
every template, so a label, an arm name or an override from a config is always text, never markup;
the few fragments built as HTML on purpose (a note's markdown, a table of numbers) are marked with
:func:`trusted` where they are made, after escaping their own text.
"""

from __future__ import annotations

import base64
import functools
import html
from typing import Any

import jinja2
from markupsafe import Markup


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render ``sim/report/templates/<template>`` with ``context`` (autoescaped)."""
    return _environment().get_template(template).render(**context)


def trusted(fragment: str) -> Markup:
    """Mark an HTML fragment built here, from escaped text, as safe to insert as is."""
    return Markup(fragment)  # callers escape their own text first


def png_src(data: bytes) -> str:
    """A PNG as a ``data:`` URI, so a page embeds its figures and needs no other file."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def markdown_html(text: str) -> Markup:
    """Markdown as HTML; raw HTML in the text is escaped first, so it stays text."""
    import markdown

    return Markup(markdown.markdown(html.escape(text, quote=False)))
