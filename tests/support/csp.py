"""Reading what a response tells the browser: its policy header, and the scripts, event-handler
attributes and style attributes in its HTML (stdlib parser: what a browser would see as tags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def header_nonce(header: str) -> str | None:
    for source in policy(header).get("script-src", []):
        if source.startswith("'nonce-"):
            return source[len("'nonce-") : -1]
    return None


@dataclass
class Markup:
    scripts: list[dict] = field(default_factory=list)  # each <script>'s attributes, plus "inline" text
    handlers: list[str] = field(default_factory=list)  # "tag onclick" for each on* attribute
    styles: list[str] = field(default_factory=list)  # "tag" for each style attribute
    style_elements: int = 0


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.markup = Markup()
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in values:
            if name.startswith("on"):
                self.markup.handlers.append(f"{tag} {name}")
        if "style" in values:
            self.markup.styles.append(tag)
        if tag == "script":
            self._script = {**values, "inline": ""}
            self.markup.scripts.append(self._script)
        elif tag == "style":
            self.markup.style_elements += 1

    def handle_data(self, data):
        if self._script is not None:
            self._script["inline"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def markup(html: str) -> Markup:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.markup
