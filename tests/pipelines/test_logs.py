"""What newsetl prints to stderr (pipelines/logs.py)."""
from __future__ import annotations

import logging
import subprocess
import sys

from pipelines import logs


def _record(name: str, level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_noise_filter_drops_library_chatter_and_keeps_errors():
    keep = logs.NoiseFilter().filter
    relay = "apache_beam.runners.portability.local_job_service"
    assert not keep(_record("root", logging.WARNING, "apitools not found, and bigquery client libraries are not available"))
    assert not keep(_record(relay, logging.WARNING, "Worker: severity: WARN message: \"No semi_persistent_directory found\""))
    assert not keep(_record("__main__", logging.WARNING, "No semi_persistent_directory found: User registered objects"))
    assert keep(_record(relay, logging.ERROR, "Worker: severity: ERROR message: \"Python sdk harness failed\""))
    assert keep(_record("newsetl", logging.WARNING, "removed out, left by a run that did not finish"))
    assert keep(_record("apache_beam.runners.worker.sdk_worker", logging.ERROR, "Error processing instruction 1"))


def test_configure_silences_extraction_libraries_below_critical():
    """trafilatura's "discarding data: http://..." (WARNING) and "parsed tree length: 1 ..."
    (ERROR) are pages newsetl records as no_main_text rejects: not printed."""
    logs.configure()
    for name in ("trafilatura.core", "trafilatura.utils", "htmldate.core", "courlan.urlutils"):
        assert not logging.getLogger(name).isEnabledFor(logging.ERROR)
        assert logging.getLogger(name).isEnabledFor(logging.CRITICAL)
    assert logging.getLogger("newsetl").isEnabledFor(logging.WARNING)


def test_worker_process_prints_only_warnings_and_errors():
    """A fresh interpreter (as an SDK worker starts): after configure, Beam's import-time
    apitools warning and INFO lines are not printed; a real warning and an error are."""
    code = ("from pipelines import logs; logs.configure(); import logging; import apache_beam; "
            "logging.getLogger().setLevel(logging.INFO); "  # what Beam's harness does at start-up
            "logging.getLogger('apache_beam.runners.worker.sdk_worker').info('Control channel established.'); "
            "logging.getLogger('trafilatura.core').warning('discarding data: http://x'); "
            "logging.getLogger('newsetl').warning('a real warning'); logging.getLogger('x').error('an error')")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert err.splitlines() == ["WARNING newsetl: a real warning", "ERROR x: an error"]
