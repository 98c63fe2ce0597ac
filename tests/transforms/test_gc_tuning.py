"""The collector thresholds a run uses, and that they are given back after it."""
from __future__ import annotations

import gc

from transforms import gc_tuning


def test_tuned_gc_raises_the_thresholds_and_restores_them():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # CPython's defaults
        with gc_tuning.tuned_gc():
            assert gc.get_threshold() == (50_000, 20, 100)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_tune_gc_never_lowers_or_enables():
    before = gc.get_threshold()
    try:
        gc.set_threshold(100_000, 5, 500)
        gc_tuning.tune_gc()
        assert gc.get_threshold() == (100_000, 20, 500)
        gc.set_threshold(0, 10, 10)  # collection disabled by the embedding program: left alone
        gc_tuning.tune_gc()
        assert gc.get_threshold() == (0, 10, 10)
    finally:
        gc.set_threshold(*before)
