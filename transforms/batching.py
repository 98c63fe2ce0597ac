"""A DoFn base that hands a bundle's elements to ``flush`` in batches (Beam wiring only)."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindows


class BundleBatchFn(beam.DoFn):
    """Buffers up to :data:`BATCH` elements of a bundle and emits ``flush(items)``'s outputs.

    Cheaper per element than ``beam.BatchElements``, which times every batch to size the next.
    Subclasses implement ``flush(items) -> iterable of outputs``. Global window only: the
    batch-mode writers use it; outputs of the last, partial batch are emitted in
    ``finish_bundle`` in the global window. ``flush`` may return ``TaggedOutput``s (a multi-output
    ParDo).
    """

    BATCH = 1024

    def start_bundle(self):
        self._buffer = []

    def process(self, item):
        self._buffer.append(item)
        if len(self._buffer) >= self.BATCH:
            yield from self._drain()

    def finish_bundle(self):
        for out in self._drain():
            if isinstance(out, TaggedOutput):
                yield TaggedOutput(out.tag, GlobalWindows.windowed_value(out.value))
            else:
                yield GlobalWindows.windowed_value(out)

    def _drain(self):
        items, self._buffer = self._buffer, []
        return list(self.flush(items)) if items else []

    def flush(self, items: list):
        raise NotImplementedError
