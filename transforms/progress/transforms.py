"""ReportProgress: per-file record tallies -> progress counter files (see core)."""
from __future__ import annotations

import apache_beam as beam

from transforms.progress import core


class ProgressFn(beam.DoFn):
    """(source_file, records[, bytes or None, files done]) -> nothing; counts files, records and
    bytes read by this worker (:meth:`transforms.progress.core.ProgressWriter.add`)."""

    def __init__(self, directory: str):
        self._dir = directory
        self._writer = None

    def setup(self):
        self._writer = core.ProgressWriter(self._dir)

    def process(self, tally):
        self._writer.add(*tally)
        return ()

    def finish_bundle(self):
        self._writer.flush(force=True)


class ReportProgress(beam.PTransform):
    """PCollection[(source_file, records[, bytes or None, files done])] -> PCollection (empty): a
    side branch that writes progress counters into ``directory`` while files are read."""

    def __init__(self, directory: str):
        super().__init__()
        self._dir = directory

    def expand(self, tally):
        return tally | "CountFilesRead" >> beam.ParDo(ProgressFn(self._dir))
