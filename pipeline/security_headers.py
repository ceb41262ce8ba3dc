"""HTTP security headers for the KB's Datasette, added by an ASGI wrapper.

The KB serves text scraped from the web; Jinja escapes it, and these headers are the
second line of defence should anything ever slip through unescaped:

- ``Content-Security-Policy``: scripts only from the server itself plus the few
  inline scripts Datasette's own templates carry, allowed by their SHA-256 hash —
  never ``'unsafe-inline'``, so an injected ``<script>`` or ``onerror=`` does not run;
  no plugins/objects, no framing, forms post only back to the server;
- ``X-Content-Type-Options: nosniff``: a CSV or JSON response is never run as a script;
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``): no clickjacking;
- ``Referrer-Policy: same-origin``: a search query does not leak to other sites.

Inline styles stay allowed (``style-src 'unsafe-inline'``): Datasette's templates and
ours use ``style=`` attributes and ``<style>`` blocks, and CSS cannot run script.

The hashes are computed from the installed templates (Datasette's and ours) at
import, so a Datasette upgrade that changes an inline script stays compatible.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Iterable

# Values a template variable inside an inline script takes (Datasette's table.html:
# ``DATASETTE_ALLOW_FACET = {{ datasette_allow_facet }};``).
SCRIPT_VARIABLES = {"datasette_allow_facet": ("true", "false")}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def script_hash(script: str) -> str:
    """The CSP source expression allowing exactly this inline script.

    >>> script_hash("DATASETTE_ALLOW_FACET = true;")
    "'sha256-fyi5q99UcdjzV8X7vfr/UYD4dsV4ViDDhotcy8GQ6PM='"
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def template_dirs() -> list[Path]:
    import datasette

    return [Path(datasette.__file__).parent / "templates", Path(__file__).parent / "templates"]


def inline_scripts(directories: Iterable[Path]) -> list[str]:
    """Every inline script the templates in ``directories`` can render, verbatim.

    A script using a template variable is expanded for each value in
    ``SCRIPT_VARIABLES``; one using any other template syntax is left out (its page
    then runs without it, and the browser test says so).
    """
    scripts: set[str] = set()
    for directory in directories:
        for template in sorted(Path(directory).glob("*.html")):
            for body in _INLINE_SCRIPT.findall(template.read_text("utf-8")):
                names = _VARIABLE.findall(body)
                if "{%" in body or "{#" in body or any(n not in SCRIPT_VARIABLES for n in names):
                    continue
                variants = [body]
                for name in names:
                    variants = [_VARIABLE.sub(lambda m: value if m.group(1) == name else m.group(0), v)
                                for v in variants for value in SCRIPT_VARIABLES[name]]
                scripts.update(variants)
    return sorted(scripts)


def content_security_policy(scripts: Iterable[str]) -> str:
    hashes = " ".join(script_hash(s) for s in scripts)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}".rstrip(),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers every response gets (unless the response already sets one)."""
    return [
        (b"content-security-policy", content_security_policy(inline_scripts(template_dirs())).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]


def wrap_with_security_headers(app, headers: list[tuple[bytes, bytes]] | None = None):
    """An ASGI app that is ``app`` with ``headers`` added to every HTTP response."""
    headers = security_headers() if headers is None else headers

    async def with_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {bytes(k).lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
