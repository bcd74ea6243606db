"""Files of a folder, a .zip or a .tar(.gz): listed by name, read with a size cap.

A 10x folder reaches the readers in three forms: a folder on the server, or a browser
upload of it zipped or tarred. :func:`open_file_tree` gives the three one interface, a
:class:`FileTree` (relative POSIX names and ``read(name)``). Uploads are decompressed as
streams and capped (``_GUNZIP_FACTOR`` times the upload limit in all, as
:mod:`~rnaclust_dash.io.uploads` caps a gzip table), so a small archive cannot fill the
memory of the server; folders and archives on the server's own disk are not capped.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from rnaclust_dash.errors import DataError
from rnaclust_dash.io.uploads import _GUNZIP_FACTOR, _too_large_error, max_upload_bytes

#: First bytes of the formats recognised without their name.
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class FileTree:
    """The regular files of a folder or archive.

    Attributes
    ----------
    names : tuple of str
        Relative POSIX paths, archive clutter (``__MACOSX/``, ``._*``) left out.
    source : str
        The folder or archive's name, for messages.
    cap : int or None
        Most bytes a file of it may expand to when gzip-compressed (None: no cap).
    local : callable or None
        ``local(name) -> Path`` for a folder on disk (readers may then stream the file
        instead of holding its bytes); None for archives.
    """

    names: tuple[str, ...]
    source: str
    cap: int | None
    _read: Callable[[str], bytes]
    local: Callable[[str], Path] | None = None

    def read(self, name: str) -> bytes:
        """The bytes of the file ``name`` (one of :attr:`names`)."""
        return self._read(name)


def upload_cap() -> int:
    """Most bytes an uploaded archive may expand to (all members together)."""
    return _GUNZIP_FACTOR * max_upload_bytes()


def is_tar(head: bytes) -> bool:
    """Whether ``head`` (at least 262 decompressed bytes) starts a tar archive."""
    return head[257:262] == b"ustar"


def gunzipped_head(content: bytes, n_bytes: int = 512) -> bytes:
    """The first ``n_bytes`` of gzip ``content`` once decompressed (b"" if damaged)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(content[:65536], n_bytes)
    except zlib.error:
        return b""


def _clutter(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or parts[0] == "__MACOSX" or parts[-1].startswith("._")


@contextmanager
def open_file_tree(*, content: bytes | None = None, path: Path | None = None,
                   name: str = "", wanted: Callable[[str], bool] = lambda _: True,
                   cap: int | None = None) -> Iterator[FileTree]:
    """A folder, .zip or .tar(.gz) given as bytes or as a path, as a :class:`FileTree`.

    Parameters
    ----------
    content : bytes, optional
        An uploaded .zip, .tar or .tar.gz.
    path : Path, optional
        A folder, .zip, .tar or .tar.gz on the server.
    name : str
        The name shown in messages.
    wanted : callable
        ``wanted(name) -> bool``: the files that may be read (a tar stream keeps only
        these as it passes; the others are listed but skipped).
    cap : int or None
        Most bytes read in all; None: no cap.

    Raises
    ------
    DataError
        If the archive is damaged, or expands beyond ``cap``.
    """
    budget = [cap]  # bytes left to read, shared by every read of this tree
    if path is not None and Path(path).is_dir():
        yield _folder_tree(Path(path), name, cap)
        return
    stream = io.BytesIO(content) if content is not None else open(path, "rb")  # noqa: SIM115
    try:
        head = stream.read(4)
        stream.seek(0)
        if head == ZIP_MAGIC:
            with _zip_tree(stream, name, budget) as tree:
                yield tree
        else:
            yield _tar_tree(stream, name, wanted, budget)
    finally:
        stream.close()


def _take(budget: list, n_bytes: int, name: str) -> None:
    """Count ``n_bytes`` against the budget; raise when it is spent."""
    if budget[0] is None:
        return
    budget[0] -= n_bytes
    if budget[0] < 0:
        raise _too_large_error(name, upload_cap())


def _folder_tree(root: Path, name: str, cap: int | None) -> FileTree:
    """The files under ``root`` (links leading out of it are left out)."""
    base = root.resolve()
    names = []
    for folder, _, files in os.walk(root):
        for file in files:
            full = Path(folder) / file
            if full.is_file() and full.resolve().is_relative_to(base):
                names.append(full.relative_to(root).as_posix())
    names = tuple(sorted(n for n in names if not _clutter(n)))
    return FileTree(names, name or root.name, cap, lambda member: (root / member).read_bytes(),
                    local=lambda member: root / member)


@contextmanager
def _zip_tree(stream: BinaryIO, name: str, budget: list) -> Iterator[FileTree]:
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise _damaged(name, exc) from None

    def read(member: str) -> bytes:
        limit = budget[0]
        try:
            with archive.open(member) as handle:
                data = handle.read() if limit is None else handle.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
            raise _damaged(name, exc) from None
        _take(budget, len(data), name)
        return data

    with archive:
        names = tuple(i.filename for i in archive.infolist()
                      if not i.is_dir() and not _clutter(i.filename))
        yield FileTree(names, name, budget[0], read)


class _CappedReader(io.RawIOBase):
    """A read-only stream that raises once more than the budget has been read."""

    def __init__(self, raw: BinaryIO, budget: list, name: str):
        self._raw, self._budget, self._name = raw, budget, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        _take(self._budget, len(data), self._name)
        buffer[:len(data)] = data
        return len(data)


def _tar_tree(stream: BinaryIO, name: str, wanted: Callable[[str], bool],
              budget: list) -> FileTree:
    """Read a tar(.gz) as a stream, once, keeping the wanted members' bytes."""
    if stream.read(2) == GZIP_MAGIC:
        stream.seek(0)
        stream = gzip.GzipFile(fileobj=stream)
    else:
        stream.seek(0)
    cap = budget[0]
    capped = io.BufferedReader(_CappedReader(stream, budget, name))
    names, kept = [], {}
    try:
        with tarfile.open(fileobj=capped, mode="r|") as archive:
            for member in archive:
                if not member.isfile() or _clutter(member.name):
                    continue
                member_name = member.name.removeprefix("./")
                names.append(member_name)
                if wanted(member_name):
                    kept[member_name] = archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _damaged(name, exc) from None
    return FileTree(tuple(names), name, cap, kept.__getitem__)


def _damaged(name: str, exc: Exception) -> DataError:
    return DataError(f'"{name}" could not be opened as a .zip or .tar.gz archive ({exc}). '
                     "If it is a 10x matrix folder, pack it again (zip or tar.gz) or give the "
                     "10x .h5 file instead; an Excel table must be saved as .xlsx.")
