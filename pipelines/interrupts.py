"""Ctrl-C and a closed pipe, handled as Unix tools do: one line (or none), a conventional exit code.

- :class:`InterruptGuard`: while a run works in its staging directory, SIGINT (Ctrl-C) removes
  that directory, prints ``newsetl: interrupted; nothing was published`` and exits with 130
  (128 + SIGINT, what a shell reports for a command Ctrl-C stopped). Without it Python raises
  KeyboardInterrupt wherever the main thread is: inside a DoFn, Beam logs it, wraps it in a
  RuntimeError and the launcher prints both (124 lines, 3 tracebacks on the BBC corpus). The
  previous dataset is untouched either way (the publish is a swap at the very end), and during
  that swap SIGINT is ignored so that it completes.
- :func:`closed_stdout`: ``newsetl inspect DIR | head -3`` closes the pipe early; the next write
  raises BrokenPipeError. Output then goes to /dev/null (so the interpreter's final flush does not
  raise again) and the command exits quietly with 141 (128 + SIGPIPE, what a shell reports for
  ``cat`` in the same place).
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # 141
MESSAGE = "newsetl: interrupted; nothing was published"


class InterruptGuard:
    """Installs the SIGINT handling described in the module docstring for ``staging``.

    ``message`` replaces the default line (a streaming run publishes as it goes: its line says
    what stays); ``staging`` None removes nothing; ``cleanup`` (a callable) also runs on Ctrl-C.

    SIGINT is blocked in the main thread (``pthread_sigmask``), so every thread and worker
    process the runner starts afterwards inherits the block: Beam's multi-processing SDK workers,
    which share the terminal's process group and get the same Ctrl-C, no longer print their
    own KeyboardInterrupt tracebacks (they end when the launcher exits). A watcher thread takes
    the signal (``sigtimedwait``); a Python handler covers threads started before. Only in the
    main thread (elsewhere the guard does nothing and KeyboardInterrupt behaves as usual). Call
    :meth:`publishing` just before the publish swap and :meth:`restore` afterwards (``finally``).
    """

    def __init__(self, staging: str | os.PathLike | None, message: str = MESSAGE, cleanup=None):
        self.staging, self.message, self.cleanup = staging, message, cleanup  # staging None: nothing to remove
        self.previous = None
        if threading.current_thread() is not threading.main_thread():
            return
        self.previous = signal.signal(signal.SIGINT, self._stop)
        self.done = threading.Event()
        self.stopping = threading.Lock()
        # a thread started before the block takes SIGINT itself: Python's C handler then writes
        # to the wakeup fd at once (its Python handler would wait for a busy main thread)
        self.wake_r, wake_w = socket.socketpair()
        wake_w.setblocking(False)
        self.wake_w = wake_w
        self.previous_fd = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self.watcher = threading.Thread(target=self._watch, name="newsetl-interrupt", daemon=True)
        self.watcher.start()

    def _watch(self):
        while not self.done.is_set():
            caught = took_sigint(signal.sigtimedwait({signal.SIGINT}, 0.1))  # pending, blocked everywhere
            ready, _, _ = select.select([self.wake_r], [], [], 0.1)
            if ready:
                caught |= signal.SIGINT in self.wake_r.recv(64)
            if caught and not self.done.is_set():
                self._stop(signal.SIGINT, None)

    def _stop(self, signum, frame):
        self.stopping.acquire()  # never released: a second caller (handler and watcher both) waits for the exit
        self._remove()
        print(self.message, file=sys.stderr, flush=True)
        for pid in _children():  # SDK worker processes: else each logs its lost control channel
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._remove()  # anything a worker wrote meanwhile
        os._exit(EXIT_INTERRUPTED)

    def _remove(self):
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self.cleanup is not None:
            self.cleanup()  # threads and workers of the runner stop with the process, silently

    def publishing(self) -> None:
        """From now on SIGINT is ignored: the publish is a rename or two and must complete."""
        if self.previous is not None:
            self.done.set()
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def restore(self) -> None:
        """Stop the watcher, unblock SIGINT and reinstall the handler that was there before."""
        if self.previous is not None:
            self.done.set()
            self.watcher.join()
            signal.set_wakeup_fd(self.previous_fd)
            self.wake_r.close()
            self.wake_w.close()
            signal.signal(signal.SIGINT, self.previous)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            self.previous = None


def took_sigint(info) -> bool:
    """Whether ``signal.sigtimedwait``'s answer is a SIGINT taken.

    None is a timeout. Under a ptrace-based profiler or debugger (``py-spy record -- newsetl
    run ...``) the call can come back early with a ``struct_siginfo`` the kernel never filled
    (random ``si_signo``, seen on Linux 6.18 with CPython 3.11); reading any answer as Ctrl-C had
    stopped such runs as interrupted. Only ``si_signo == SIGINT`` counts.
    """
    return info is not None and info.si_signo == signal.SIGINT


def _children() -> list[int]:
    """Process ids of this process's children (Linux ``/proc``; elsewhere none)."""
    pids = []
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(p) for p in task.read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def closed_stdout() -> int:
    """After a BrokenPipeError on stdout: point stdout at /dev/null; returns the exit code (141)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no file (captured by a test, say)
        pass
    return EXIT_BROKEN_PIPE
