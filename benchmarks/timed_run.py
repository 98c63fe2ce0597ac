"""``newsetl run`` that also writes per-stage execution time (for ``make bench``).

Usage: ``python -m benchmarks.timed_run STAGES.json run --input ... --output ... [beam args]``.
``STAGES.json`` receives ``{top-level stage label: milliseconds}`` summed from the runner's
``ptransform_execution_time`` monitoring counters (process-bundle time of every step inside
the stage; shuffles between steps are not included), and under ``_values_per_key_max`` the
largest number of values any key carried through each dedup shuffle.
"""
from __future__ import annotations

import json
import os
import sys
from collections import Counter

from pipelines import cli


def _run_pipeline_timed(path: str):
    def run_pipeline(files, config, staging, beam_args, *rest):
        import apache_beam as beam
        from apache_beam.options.pipeline_options import PipelineOptions
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        from pipelines.pipeline import build

        p = beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(beam_args))
        build(p, files, config, staging, *rest)
        result = p.run()
        result.wait_until_finish()
        stages = Counter()
        for counter in result.monitoring_metrics().query()["counters"]:
            if counter.key.metric.name.endswith("ptransform_execution_time:total_msecs:v1"):
                stages[counter.key.step.split("/")[0]] += counter.committed
                if os.environ.get("NEWSETL_STEP_TIMES"):
                    stages["/".join(counter.key.step.split("/")[:2])] += counter.committed
        out = dict(sorted(stages.items()))
        out["_values_per_key_max"] = {d.key.metric.name.rsplit("/", 1)[1]: d.committed.max
                                      for d in result.metrics().query()["distributions"] if "values_per_key" in d.key.metric.name}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(out, f)
    return run_pipeline


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cli._run_pipeline = _run_pipeline_timed(argv[0])
    return cli.main(argv[1:])


if __name__ == "__main__":
    cli.exit_after(main())
