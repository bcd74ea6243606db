"""Uploads: the size limit, decoding a browser upload, and gunzip with a size cap.

A gzip file may expand at most ``_GUNZIP_FACTOR`` times the upload limit, whether it
is read whole (:func:`_gunzip`) or piece by piece (:func:`_gunzip_pieces`).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import math
import os
import zlib
from collections.abc import Iterator

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.io.messages import _ACCEPTED, _MB, _megabytes

#: Default upload limit in bytes; ``RNACLUST_MAX_UPLOAD_MB`` overrides it (see
#: :func:`max_upload_bytes`).
MAX_UPLOAD_BYTES = 100 * _MB

# A gzip file may expand this many times over the upload limit (guards against
# decompression bombs while leaving room for well-compressed count tables).
_GUNZIP_FACTOR = 20

# Where tables too large for the browser go.
_CLI_RUN = "python -m rnaclust_dash run FILE --out DIR"


def max_upload_bytes() -> int:
    """Return the upload size limit in bytes.

    Read at call time from the environment variable ``RNACLUST_MAX_UPLOAD_MB``
    (megabytes, 1 MB = 1,000,000 bytes); :data:`MAX_UPLOAD_BYTES` when unset.

    Returns
    -------
    int
        The limit in bytes.

    Raises
    ------
    ParameterError
        If the variable is set but is not a positive number.
    """
    raw = os.environ.get("RNACLUST_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return MAX_UPLOAD_BYTES
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise ParameterError(
            f'RNACLUST_MAX_UPLOAD_MB must be a positive number of megabytes, not "{raw}".'
        )
    return int(megabytes * _MB)


def check_upload_size(n_bytes: int, *, limit: int | None = None) -> None:
    """Raise if an upload is larger than the limit.

    Parameters
    ----------
    n_bytes : int
        Size of the uploaded file in bytes.
    limit : int, optional
        Limit in bytes; by default :func:`max_upload_bytes`.

    Raises
    ------
    DataError
        If ``n_bytes`` exceeds the limit; the message points to the command line.
    """
    if limit is None:
        limit = max_upload_bytes()
    if n_bytes > limit:
        raise DataError(
            f"The file is {_megabytes(n_bytes)} MB; the upload limit is {_megabytes(limit)} MB. "
            f"For larger tables use the command line: {_CLI_RUN}, or ask whoever runs "
            "this server to raise the limit (the "
            "RNACLUST_MAX_UPLOAD_MB setting)."
        )


def decode_upload(contents: str) -> bytes:
    """Decode the ``contents`` string of a ``dcc.Upload``.

    Parameters
    ----------
    contents : str
        A data URL, ``"data:<mime type>;base64,<payload>"``.

    Returns
    -------
    bytes
        The file's bytes.

    Raises
    ------
    DataError
        If ``contents`` is not a base64 data URL.
    """
    header, comma, payload = contents.partition(",") if isinstance(contents, str) else ("", "", "")
    if not (comma and header.startswith("data:") and header.endswith(";base64")):
        raise DataError(
            'The upload could not be read: expected a data URL "data:...;base64,...". '
            "Try uploading the file again."
        )
    try:
        return base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DataError(
            "The upload could not be read: its base64 content is damaged. "
            "Try uploading the file again."
        ) from None



def _gunzip(content: bytes, filename: str) -> bytes:
    """The decompressed bytes of gzip ``content``, read in one piece."""
    cap = _GUNZIP_FACTOR * max_upload_bytes()
    # One piece one byte over the cap: a larger file fails on it, a smaller one is
    # whole in it (and b"".join of one piece does not copy it).
    return b"".join(_gunzip_pieces(content, filename, piece_bytes=cap + 1))


def _gunzip_pieces(content: bytes, filename: str, *, piece_bytes: int) -> Iterator[bytes]:
    """Yield the decompressed bytes of gzip ``content`` in pieces of ``piece_bytes``.

    Raises :class:`DataError` when the content is damaged or expands beyond
    ``_GUNZIP_FACTOR`` times the upload limit.
    """
    cap = _GUNZIP_FACTOR * max_upload_bytes()
    total = 0
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        while True:
            try:
                piece = stream.read(piece_bytes)
            except (OSError, EOFError, zlib.error) as exc:
                raise _gunzip_error(filename, exc) from None
            if not piece:
                return
            total += len(piece)
            if total > cap:
                raise _too_large_error(filename, cap)
            yield piece


def _gunzip_error(filename: str, exc: Exception) -> DataError:
    return DataError(
        f'"{filename}" looks gzip-compressed but could not be decompressed ({exc}). {_ACCEPTED}'
    )


def _too_large_error(filename: str, cap: int) -> DataError:
    return DataError(
        f'"{filename}" expands to more than {_megabytes(cap)} MB once decompressed. '
        f"For tables that large use the command line: {_CLI_RUN}."
    )

