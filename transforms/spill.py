"""Spill files: bulk payloads written to the staging directory instead of crossing a shuffle.

A shuffle on Beam's local runner holds every element in memory until the whole PCollection has
been consumed, and every runner pays to encode, transfer and decode it. Article texts are most
of a corpus's bytes, so the batch pipeline writes them to spill files where a shuffle would
carry them and shuffles only the spill file's path with small keys (the way Beam's own file
sinks write temporary files and pass their names to a finalising step). Spill files live under
``<staging>/_spill/``, which every worker must be able to read (the staging directory is on
the output's file system); the launcher deletes them before publishing.

Payloads are plain Python values (tuples, str, int, bytes, None) pickled with protocol 5: the
files are read back by the same code in the same run and never published.
"""
from __future__ import annotations

import mmap
import os
import pickle

import numpy as np
import xxhash

from transforms.columns import take_ragged

SPILL_DIR = "_spill"


def spill_dir(staging: str) -> str:
    """The spill directory of a staging directory."""
    return os.path.join(staging, SPILL_DIR)


def write(directory: str, name: str, payload) -> str:
    """Write ``payload`` to ``<directory>/<name>.pkl`` atomically (temporary file, then rename)
    and return the path. Writing the same name twice (a retried bundle) replaces the file with
    the same content: names are derived from the content's identity by the callers.

    Raises:
        OSError: the directory cannot be created or written.
    """
    return write_bytes(directory, f"{name}.pkl", pickle.dumps(payload, protocol=5))


def read(path: str):
    """The payload :func:`write` stored at ``path``.

    Raises:
        OSError: the file is missing or unreadable.
    """
    return pickle.loads(read_bytes(path))


def write_bytes(directory: str, name: str, data: bytes) -> str:
    """Write ``data`` to ``<directory>/<name>`` atomically and return the path (see :func:`write`).

    Raises:
        OSError: the directory cannot be created or written.
    """
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def read_bytes(path: str) -> bytes:
    """The bytes :func:`write_bytes` stored at ``path``.

    Raises:
        OSError: the file is missing or unreadable.
    """
    with open(path, "rb") as f:
        return f.read()


def write_content(directory: str, prefix: str, data: bytes) -> str:
    """:func:`write_bytes` under a name made of ``prefix`` and the xxh3-128 digest of ``data``:
    a retried bundle writes the same file, and different contents never share a name (a 128-bit
    collision is out of reach).

    Raises:
        OSError: the directory cannot be created or written.
    """
    return write_bytes(directory, f"{prefix}-{xxhash.xxh3_128_hexdigest(data)}", data)


# ---------------------------------------------------------------- random-access spill files
# A shuffle carries a (path, positions) reference; the reader loads only what it needs. Two
# layouts, both ending in ``little-endian int64 count n | int64 offsets (n + 1) | body``:
# - rows (:func:`write_rows`): an int64 chunk size first; then plain Python values pickled in
#   chunks of ``chunk`` rows, n chunks, offsets in bytes of the body (reading row i unpickles
#   its chunk only);
# - ragged (:func:`write_ragged`): a ragged numpy array, offsets in items of the body's dtype.

ROWS_PER_CHUNK = 64


def _layout(offsets: np.ndarray, body: bytes) -> bytes:
    return b"".join((np.int64(len(offsets) - 1).astype("<i8").tobytes(), offsets.astype("<i8").tobytes(), body))


def rows_path(directory: str, name: str) -> str:
    """The path :func:`write_rows` gives ``name`` in ``directory`` (readers that know only the name)."""
    return os.path.join(directory, f"{name}.rows")


def write_rows(directory: str, name: str, rows: list, chunk: int = ROWS_PER_CHUNK) -> str:
    """Write ``rows`` (plain Python values) to ``<directory>/<name>.rows`` so that
    :func:`read_rows` can load any of them without unpickling the rest; atomic, like :func:`write`.

    Raises:
        OSError: the directory cannot be created or written.
    """
    blobs = [pickle.dumps(rows[i: i + chunk], protocol=5) for i in range(0, len(rows), chunk)]
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    header = np.array([chunk], dtype="<i8").tobytes()
    return write_bytes(directory, os.path.basename(rows_path(directory, name)), header + _layout(offsets, b"".join(blobs)))


def read_rows(path: str, positions) -> list:
    """Rows ``positions`` (ints, any order, repeats allowed) of a :func:`write_rows` file, in
    that order.

    Raises:
        OSError: the file is missing or unreadable; IndexError: a position is out of range.
    """
    positions = [int(i) for i in positions]
    with open(path, "rb") as f:
        chunk, n = np.frombuffer(f.read(16), dtype="<i8").tolist()
        offsets = np.frombuffer(f.read(8 * (n + 1)), dtype="<i8")
        base = 16 + 8 * (n + 1)
        loaded = {}
        for c in sorted({i // chunk for i in positions}):
            if not 0 <= c < n:
                raise IndexError(f"{path}: row {c * chunk} is out of range")
            f.seek(base + int(offsets[c]))
            loaded[c] = pickle.loads(f.read(int(offsets[c + 1] - offsets[c])))
    return [loaded[i // chunk][i % chunk] for i in positions]


def write_ragged(directory: str, name: str, values: np.ndarray, offsets: np.ndarray) -> str:
    """Write a ragged array (row i is ``values[offsets[i]:offsets[i + 1]]``; offsets int64,
    ``(n + 1,)``) to ``<directory>/<name>.ragged`` for :func:`read_ragged`; atomic, like :func:`write`.
    The dtype is not stored: the reader names it.

    Raises:
        OSError: the directory cannot be created or written.
    """
    return write_bytes(directory, f"{name}.ragged", _layout(np.asarray(offsets), np.ascontiguousarray(values).tobytes()))


def read_ragged(path: str, rows: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``rows`` (int array) of a :func:`write_ragged` file, concatenated in that order:
    ``(values, offsets (len(rows) + 1,))``. The file is memory-mapped and unmapped before
    returning: only the pages of the rows read are touched.

    Raises:
        OSError: the file is missing or unreadable; IndexError: a row is out of range.
    """
    rows = np.asarray(rows, dtype=np.int64)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        n = int(np.frombuffer(mm, dtype="<i8", count=1)[0])
        offsets = np.frombuffer(mm, dtype="<i8", count=n + 1, offset=8).copy()
        count = int(offsets[-1])
        values = np.frombuffer(mm, dtype=dtype, count=count, offset=8 * (n + 2)) if count else np.zeros(0, dtype)
        out = take_ragged(values, offsets, rows)  # copies: the map can close
        del values
    return out
