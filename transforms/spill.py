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

import os
import pickle

import xxhash

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
