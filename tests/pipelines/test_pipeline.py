"""Pipeline assembly: values derived from the input size."""
from __future__ import annotations

from pipelines.config import load_config
from pipelines.pipeline import output_shards


def test_output_shards_auto_scales_with_input_bytes():
    assert load_config().output.shards == "auto"
    mib = 1 << 20
    assert [output_shards("auto", n) for n in (0, 1, 64 * mib, 64 * mib + 1, 1000 * mib)] == [1, 1, 1, 2, 16]
    assert output_shards("auto", 10**15) == 10_000
    assert output_shards(3, 10**12) == 3  # a number is used as given


def test_output_shards_config_names_the_problem(tmp_path):
    import pytest

    from pipelines.config import ConfigError

    for value in ("0", "many", "true"):
        path = tmp_path / "c.yaml"
        path.write_text(f"output:\n  shards: {value}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"output\.shards: .*must be 'auto' or a whole number from 1 to 10000"):
            load_config(path)
