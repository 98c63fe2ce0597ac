"""A Beam coder for PCollections of article batches (Beam wiring only).

Every step's output counter samples the size of its elements by encoding them with the
PCollection's coder: about 20 of a step's 30 batches at 50 MB. Untyped, a batch (a list of
:class:`~transforms.records.Article`) is encoded by ``FastPrimitivesCoder``, which pickles each
Article (``Article.__reduce__``); typed :class:`ArticleBatch`, it is encoded as the articles'
field tuples (:func:`~transforms.records.to_wire`), which ``FastPrimitivesCoder`` encodes in
compiled code, about a quarter of the CPU for the same batches. Decoding rebuilds equal
Articles (:func:`~transforms.records.from_wire`): field values are str, int, bool, None and
tuples of those, which the coder keeps as they are.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import coder_impl

from transforms.records import Article, from_wire, to_wire


class ArticleBatch(list):
    """Type hint of a PCollection whose elements are lists of Articles (plain lists are fine:
    the hint only selects :class:`ArticleBatchCoder`)."""


class ArticleBatchCoder(beam.coders.Coder):
    """list[Article] <-> bytes: ``FastPrimitivesCoder`` of the articles' field tuples.

    Not deterministic (never a shuffle key). Raises what ``FastPrimitivesCoder`` raises for a
    field value it cannot encode.
    """

    def _create_impl(self):
        fields = beam.coders.FastPrimitivesCoder().get_impl()
        return coder_impl.CallbackCoderImpl(
            lambda batch: fields.encode([to_wire(a) for a in batch]),
            lambda data: [from_wire(Article, w) for w in fields.decode(data)],
            lambda batch: fields.estimate_size([to_wire(a) for a in batch]))

    def encode(self, batch) -> bytes:
        return self.get_impl().encode(batch)

    def decode(self, data: bytes) -> list[Article]:
        return self.get_impl().decode(data)

    def is_deterministic(self) -> bool:
        return False

    def to_type_hint(self):
        return ArticleBatch

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


beam.coders.registry.register_coder(ArticleBatch, ArticleBatchCoder)
