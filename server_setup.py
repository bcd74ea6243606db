"""What the web server adds to every response and refuses before reading a request.

- Security headers on every response: a Content-Security-Policy that Dash works with
  (scripts only from the server and Dash's own inline scripts, by hash; no plug-ins;
  no framing by other sites), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options:
  SAMEORIGIN`` (for browsers without frame-ancestors) and a referrer policy that sends
  no address to other sites.
- A request size limit (Flask's ``MAX_CONTENT_LENGTH``): an upload larger than what the
  upload limit allows is refused (413, with a message) before its body is read.

Only Flask and Dash's app object are used here; the analysis core knows nothing of it.
"""

from __future__ import annotations

import math

#: Files one upload request can carry (count table, sample sheet, gene lengths).
FILES_PER_UPLOAD = 3

#: Room for the rest of a callback request (the other inputs and state, JSON).
REQUEST_MARGIN_BYTES = 1_000_000

#: Headers that do not depend on the app.
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def request_size_limit(upload_bytes: int) -> int:
    """Largest request body (bytes): every file of one upload request at the upload
    limit, base64-encoded in the JSON of a Dash callback (4 bytes per 3), plus a margin."""
    return FILES_PER_UPLOAD * math.ceil(upload_bytes / 3) * 4 + REQUEST_MARGIN_BYTES


def content_security_policy(script_hashes: list[str]) -> str:
    """The CSP: everything from this server; inline scripts only those of Dash (their
    hashes: the renderer's start-up and the clientside callbacks); inline styles, data:
    images and fonts and blob: workers, which Dash components and Plotly need."""
    directives = {
        "default-src": ["'self'"],
        # 'unsafe-eval': Plotly's WebGL traces (Scattergl: cell maps, time-course profiles,
        # markers, modules) compile their drawing code with Function() in the regl library
        # inside plotly.min.js (line 2635 of plotly.js 4.1.1 as the plotly package ships
        # it); without eval they do not draw. Plotly's CSP-safe "strict" build exists only
        # on npm, and this project takes packages from PyPI and Debian only, so eval stays
        # allowed; inline scripts stay hash-only.
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


#: What an upload over the limit is told (``{size}``: its size in MB, with the file's
#: name when known); the browser fills it in (assets/upload_limit.js) for a file that
#: dcc.Upload refuses before reading it, the server for a request it refuses (413).
TOO_LARGE_TEMPLATE = (
    "{size} MB; this server accepts up to {limit} MB per file. Use the server data folder "
    "(RNACLUST_DATA_DIR) or ask your host to raise RNACLUST_MAX_UPLOAD_MB.")


def megabytes(n_bytes: float) -> str:
    """Bytes as megabytes for a person (1 MB = 1,000,000 bytes, as RNACLUST_MAX_UPLOAD_MB)."""
    value = n_bytes / 1e6
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def too_large_template(upload_bytes: int) -> str:
    """:data:`TOO_LARGE_TEMPLATE` with the limit filled in and ``{size}`` left open."""
    return TOO_LARGE_TEMPLATE.replace("{limit}", megabytes(upload_bytes))


def too_large_message(upload_bytes: int, request_bytes: int | None = None) -> str:
    """The 413 answer: the size of the refused upload (its files, from the request's
    length less the base64 encoding) and what to do instead."""
    if not request_bytes:
        return ("The upload is too large: this server accepts up to "
                f"{megabytes(upload_bytes)} MB per file. Use the server data folder "
                "(RNACLUST_DATA_DIR) or ask your host to raise RNACLUST_MAX_UPLOAD_MB.")
    size = megabytes(max(request_bytes - REQUEST_MARGIN_BYTES, 0) * 3 / 4)
    return "This upload is about " + too_large_template(upload_bytes).replace("{size}", size)


def secure_server(app, *, upload_bytes: int) -> None:
    """Add the security headers to every response of ``app`` (a Dash app, after its
    callbacks are registered: the CSP lists the hashes of their inline scripts) and
    refuse request bodies over :func:`request_size_limit` of ``upload_bytes``."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = request_size_limit(upload_bytes)
    headers = {**STATIC_HEADERS,
               "Content-Security-Policy": content_security_policy(app.csp_hashes())}

    @server.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    @server.errorhandler(413)
    def refuse_large_request(_error):
        from flask import request

        message = too_large_message(upload_bytes, request.content_length)
        return message, 413, {"Content-Type": "text/plain; charset=utf-8"}
