"""A config file names only what it changes: the rest, boilerplate rules included, stays the default."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, config_from_dict, load_config, merge_config
from tests.conftest import write_config
from transforms.clean import core as clean_core

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for p in (ROOT / "configs").glob("*.yaml") if p.name != "default.yaml")


def test_merge_config_merges_mappings_and_replaces_other_values():
    base = {"clean": {"fix_mojibake": True, "rules": [{"name": "a"}, {"name": "b"}]}, "dedup": {"threshold": 0.8}}
    over = {"clean": {"rules": [{"name": "c"}]}, "dedup": {"threshold": 0.9, "num_perm": 64}}
    assert merge_config(base, over) == {"clean": {"fix_mojibake": True, "rules": [{"name": "c"}]},
                                        "dedup": {"threshold": 0.9, "num_perm": 64}}
    assert base["clean"]["rules"] == [{"name": "a"}, {"name": "b"}]  # the base is not modified


def test_an_empty_config_file_is_the_default_config(tmp_path):
    assert load_config(write_config(tmp_path, "")) == load_config(None)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_configs_keep_the_default_boilerplate_rules(path):
    """The shipped configs set ingest/output keys only; before the merge they silently ran with no
    boilerplate rule at all (the seed article kept its ad marker and its reaction widget)."""
    default = load_config(None)
    cfg = load_config(path)
    assert len(default.clean.rules) == 20 and cfg.clean == default.clean  # 20 since session 11 (more_marker, bare_email,
    # continues_below, report_typo, newsletter_prompt, photo_credit, shortcode, lone_punctuation; 12 in session 10)
    seed = (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8").split("\n\n")
    _, drops, _ = clean_core.apply_rules(tuple(seed), clean_core.compile_rules(cfg.clean.rules))
    assert [name for _, name in drops] == ["ad_marker", "ad_marker"] + ["reaction_widget"] * 8
    assert {seed[i] for i, _ in drops} >= {"TEXEM Advert", "What's Your Reaction?"}


def test_a_config_that_sets_rules_replaces_them(tmp_path):
    cfg = load_config(write_config(tmp_path, "clean:\n  rules:\n    - {name: promo, pattern: 'Buy now!'}\n"))
    assert [r.name for r in cfg.clean.rules] == ["promo"]
    assert cfg.dedup == load_config(None).dedup


def test_an_unknown_key_in_a_partial_config_is_still_refused(tmp_path):
    with pytest.raises(ConfigError, match="dedup.treshold"):
        load_config(write_config(tmp_path, "dedup:\n  treshold: 0.9\n"))


def test_default_yaml_documents_every_key():
    """README: "configs/default.yaml documents every key". Trial 10: ingest.csv, per_input and
    duplicate_id_rule were missing; source_priority and max_bucket_size had no comment."""
    import re

    import yaml

    root = Path(__file__).resolve().parents[2]
    text = (root / "configs" / "default.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = yaml.safe_load(text)

    def leaves(model, prefix=()):
        for name in type(model).model_fields:
            value = getattr(model, name)
            yield from leaves(value, prefix + (name,)) if hasattr(type(value), "model_fields") else [prefix + (name,)]

    undocumented = []
    for path in leaves(load_config()):
        node = tree
        for part in path:
            node = node.get(part, KeyError) if isinstance(node, dict) else KeyError
        at = [i for i, line in enumerate(lines) if re.match(rf"\s*{path[-1]}:", line)]
        commented = any("#" in lines[i] or (i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#")) for i in at) \
            or re.search(rf"#.*\b{path[-1]}\b", text) is not None  # or a comment that names it
        if node is KeyError or not commented:
            undocumented.append(".".join(path))
    assert undocumented == []
    assert load_config() == load_config(root / "configs" / "default.yaml")


@pytest.mark.parametrize("section, given, read", [
    ({"keep": ["eng", "Deutsch", "en"]}, "keep", ("en", "de")),  # closing note 10: keep: [eng] was refused
    ({"languages": ["en", "ger", "sh", "Français"]}, "languages", ("en", "de", "sh", "fr")),  # lid.176's sh stays
    ({"detector": "lingua", "languages": ["English", "deu"]}, "languages", ("en", "de")),
])
def test_language_codes_that_name_a_known_language_count_as_it(section, given, read):
    assert getattr(config_from_dict({"language": section}).language, given) == read


def test_language_code_that_names_nothing_is_still_refused():
    with pytest.raises(ValueError, match="klingon"):
        config_from_dict({"language": {"keep": ["klingon"]}})
