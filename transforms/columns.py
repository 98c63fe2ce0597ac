"""Columns (no Beam): how the batch writers turn a batch of frozen dataclass records into Arrow
columns without building a dict or tuple per record, and ragged numpy arrays (row i is
``values[offsets[i]:offsets[i + 1]]``) as the dedup stage and the spill files hold them."""
from __future__ import annotations

import itertools
import operator

import numpy as np
import pyarrow as pa


def attribute_arrays(records: list, types: dict[str, pa.DataType]) -> dict[str, pa.Array]:
    """Column name -> Arrow array of the record attribute of that name, of the given type.

    One C-level pass per column (``map(attrgetter)``): no per-record tuple or dict, so no
    garbage-collector work. Raises what ``pa.array`` raises for a value of the wrong type.
    """
    return {n: pa.array(list(map(operator.attrgetter(n), records)), type=t) for n, t in types.items()}


def flatten(items: list[tuple], position: int = 1) -> tuple[list, pa.Array]:
    """The lists at ``position`` of each item, concatenated, and the item number of each element
    (an int64 array: the owner of every element)."""
    lists = [item[position] for item in items]
    owner = np.repeat(np.arange(len(items), dtype=np.int64), [len(x) for x in lists])
    return list(itertools.chain.from_iterable(lists)), pa.array(owner)


def record_batch(schema: pa.Schema, columns: dict) -> pa.RecordBatch:
    """A record batch of ``schema`` from column name -> Python sequence or Arrow array."""
    return pa.RecordBatch.from_arrays(
        [c if isinstance(c := columns[f.name], pa.Array) else pa.array(c, type=f.type) for f in schema], schema=schema)


def offsets_of(lengths) -> np.ndarray:
    """int64 offsets ``(n + 1,)`` of consecutive slices of the given lengths."""
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def take_ragged(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slices ``values[offsets[r]:offsets[r + 1]]`` of ``rows`` (int array, any order, repeats
    allowed) concatenated, a copy: ``(values, int64 offsets (len(rows) + 1,))``.

    Raises:
        IndexError: a row is out of range.
    """
    lengths = (offsets[1:] - offsets[:-1])[rows]
    out = offsets_of(lengths)
    pos = np.arange(out[-1], dtype=np.int64) + np.repeat(offsets[:-1][rows] - out[:-1], lengths)
    return values[pos], out
