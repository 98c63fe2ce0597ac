"""Arrow columns from records (no Beam): how the batch writers turn a batch of frozen dataclass
records into columnar data without building a dict or tuple per record."""
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
