"""Rendering outgoing mail from the admin's jinja2 templates.

A template is a folder under `templates/` holding `subject.txt`, `text.txt` and optionally
`html.html`. Templates run in jinja2's sandbox with StrictUndefined (a typo is an error, not an
empty string); the HTML part is autoescaped. Customer text is only ever passed in as a value,
never used as template source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment


ANSWERS = "answers"  # canned answers: answers/NAME/text.txt
ANSWER_TEXT = "text.txt"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


class Renderer:
    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(templates_dir)),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
            keep_trailing_newline=True,
            auto_reload=False,  # a reload (SIGHUP, `maild reload`) builds a new Renderer
        )
        self._has_html: dict[str, bool] = {}

    def render(self, name: str, context: dict[str, Any], with_html: bool = True) -> Rendered:
        """`with_html` False: the HTML part is not rendered (the mail goes out as text)."""
        subject = self.env.get_template(f"{name}/subject.txt").render(context)
        text = self.env.get_template(f"{name}/text.txt").render(context)
        html = self.env.get_template(f"{name}/html.html").render(context) if with_html and \
            self._html(name) else None
        return Rendered(subject=" ".join(subject.split()), text=text, html=html)

    @cached_property
    def answer_names(self) -> list[str]:
        """The canned answers (`answers/NAME/text.txt`), listed once like the templates are
        loaded once: a reload builds a new Renderer."""
        folder = self.templates_dir / ANSWERS
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / ANSWER_TEXT).is_file())

    def _html(self, name: str) -> bool:
        """Whether the template has an HTML part, looked up once (a miss is not cached by
        jinja2)."""
        if name not in self._has_html:
            try:
                self.env.get_template(f"{name}/html.html")
                self._has_html[name] = True
            except TemplateNotFound:
                self._has_html[name] = False
        return self._has_html[name]

    def page(self, path: str, context: dict[str, Any]) -> str:
        """One HTML document that is not a mail (`maild report --format html`), autoescaped too."""
        return self.env.get_template(path).render(context)
