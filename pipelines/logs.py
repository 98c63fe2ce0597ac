"""What newsetl prints to stderr: its own lines and real errors, not the libraries' chatter.

- Beam logs "apitools not found ..." on every import (the optional GCP client libraries are
  absent) and, with ``--direct_running_mode=multi_processing``, each SDK worker process prints its
  start-up and shutdown (``INFO:apache_beam.runners.worker.sdk_worker:Control channel
  established.`` ..., about 20 lines a worker) and relays them to the launcher, which logs them
  again (``Worker: severity: WARN ... No semi_persistent_directory found``).
- trafilatura, htmldate and courlan log each page they give up on (``WARNING trafilatura.core:
  discarding data: http://...``, ``ERROR trafilatura.utils: parsed tree length: 1, wrong data
  type or not valid HTML``). newsetl already records each of these pages as a reject
  (``no_main_text``, with file and record) and counts it in the report, so their lines are
  not printed.

:func:`configure` sets this up in the launcher; :class:`QuietFnApiRunner` starts the SDK
workers of ``multi_processing`` as ``python -m pipelines.logs``, which sets it up in the worker
before Beam's harness starts (Beam's own command would let Beam's first ``logging.warning``
install a handler that prints every INFO line). Everything at ERROR or above from newsetl,
Beam's harness or a worker (a crash, a traceback) is still printed.
"""
from __future__ import annotations

import logging
import sys

FORMAT = "%(levelname)s %(name)s: %(message)s"
# Libraries whose log lines are decisions newsetl records as rejects (see the module docstring).
QUIET_LIBRARIES = ("trafilatura", "htmldate", "courlan", "justext")
# Messages of harmless conditions of a local run, at any level below ERROR.
NOISE = ("apitools not found", "semi_persistent_directory", "Discarding unparseable args")
WORKER_RELAY = "apache_beam.runners.portability.local_job_service"  # logs what the workers send: "Worker: ..."


class NoiseFilter(logging.Filter):
    """Drops, below ERROR, the messages of :data:`NOISE` and the workers' relayed lines (a
    worker's warnings reach the launcher's stderr from the worker itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        if record.name == WORKER_RELAY and record.getMessage().startswith("Worker: "):
            return False
        message = record.getMessage()
        return not any(n in message for n in NOISE)


class _StderrHandler(logging.StreamHandler):
    """A StreamHandler that writes to the current ``sys.stderr`` (not the one of its creation:
    a test harness replaces it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ sets it
        pass


def configure(level: int = logging.WARNING) -> None:
    """Log to stderr at ``level`` (WARNING) through :class:`NoiseFilter`, with the libraries of
    :data:`QUIET_LIBRARIES` silenced below CRITICAL. As ``logging.basicConfig``, the stderr
    handler is only added when the root logger has none (a host that set up logging, such as
    pytest, keeps its own). Idempotent."""
    root = logging.getLogger()
    if not root.handlers:
        handler = _StderrHandler()
        handler.setLevel(level)  # a Beam worker sets the root logger to INFO: the handler keeps the line
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(NoiseFilter())  # records of every logger pass the handler's filters
        root.addHandler(handler)
        root.setLevel(level)
    if not any(isinstance(f, NoiseFilter) for f in root.filters):
        root.addFilter(NoiseFilter())  # records logged to the root logger itself (Beam's logging.warning)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def quiet_runner():
    """An FnApiRunner whose ``multi_processing`` SDK workers run ``python -m pipelines.logs``
    (Beam's worker main with :func:`configure` first) instead of Beam's own command: same
    harness, same work, only what it prints differs. Other running modes are unchanged."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    beam_command = "-m apache_beam.runners.worker.sdk_worker_main"

    class QuietFnApiRunner(FnApiRunner):
        """FnApiRunner that substitutes the worker command when Beam picks its subprocess one."""

        @property
        def _default_environment(self):
            return self._newsetl_environment

        @_default_environment.setter
        def _default_environment(self, environment):
            if isinstance(environment, SubprocessSDKEnvironment) and environment.command_string.endswith(beam_command):
                environment = SubprocessSDKEnvironment.from_command_string(f"{sys.executable} -m pipelines.logs")
            self._newsetl_environment = environment

    return QuietFnApiRunner()


def worker_main() -> None:
    """Entry point of a local SDK worker process: :func:`configure`, then Beam's
    ``sdk_worker_main.main`` (it reads its channels and options from the environment)."""
    configure()
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    worker_main()
