"""A glob that matches directories: named, never passed over without a word (pure, no Beam)."""
from __future__ import annotations

import pytest

from transforms.ingest import core


def test_a_glob_of_directories_only_names_them_and_how_to_read_them(data):
    bbc = str(data / "bbc-news-fulltext" / "bbc")
    with pytest.raises(FileNotFoundError) as err:
        core.list_inputs([bbc + "/*/"])
    assert str(err.value) == (
        f"input {bbc + '/*/'!r} matches 5 directories and no file ({bbc}/business/, {bbc}/entertainment/, {bbc}/politics/, "
        f"+2 more); a glob reads the files it matches, not the files below a directory: give a directory as --input "
        f"({bbc!r}, read recursively, every file of a known format below it), or a glob that reaches the files "
        f"({bbc + '/*/*.EXT'!r}, {bbc + '/*/**/*.EXT'!r})")
    files, skipped = core.list_inputs([bbc])  # the advice works: 2,225 articles, the README skipped as a notice
    assert len(files) == 2225 and skipped == [{"path": bbc + "/README.TXT", "reason": "notice_file"}]


def test_a_glob_of_files_and_directories_lists_the_directories_as_skipped(data, tmp_path):
    """``bbc/*`` matches the README and the five topic folders: the README is read (a glob reads
    what it names) and the folders are listed (``glob_directory``), not passed over silently."""
    bbc = str(data / "bbc-news-fulltext" / "bbc")
    files, skipped = core.list_inputs([bbc + "/*"])
    assert files == [(bbc + "/README.TXT", bbc)]
    assert skipped == [{"path": f"{bbc}/{topic}", "reason": "glob_directory"}
                       for topic in ("business", "entertainment", "politics", "sport", "tech")]
    files, skipped = core.list_inputs([bbc + "/**"])  # "**" matches the folders and the files below them
    assert len(files) == 2226 and skipped == []
    (tmp_path / "one").mkdir()
    with pytest.raises(FileNotFoundError, match=r"matches 1 directory and no file \(.*/one/\);"):
        core.list_inputs([str(tmp_path / "o*")])
