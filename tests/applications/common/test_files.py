"""Atomic directory and file writes, and checks of where output will go."""

import os
import stat
import subprocess
import sys

import pytest

from applications.common import files


def _tree(directory):
    return {
        path.relative_to(directory).as_posix(): path.read_text()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _write(contents):
    def write(directory):
        for name, text in contents.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text)

    return write


def test_a_new_directory_is_written_beside_and_renamed_into_place(tmp_path):
    seen = []

    def write(directory):
        seen.append(directory)
        _write({"a.txt": "new"})(directory)

    files.replace_directory(tmp_path / "out", write)
    assert seen == [tmp_path / f".out.tmp-{os.getpid()}"]
    assert _tree(tmp_path / "out") == {"a.txt": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_existing_directory_is_replaced_whole_or_kept_on_failure(tmp_path):
    target = tmp_path / "out"
    files.replace_directory(target, _write({"a.txt": "old", "sub/b.txt": "old"}))

    def fail(directory):
        _write({"a.txt": "half"})(directory)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        files.replace_directory(target, fail)
    assert _tree(target) == {"a.txt": "old", "sub/b.txt": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no stray

    files.replace_directory(target, _write({"c.txt": "new"}))
    assert _tree(target) == {"c.txt": "new"}  # nothing of the old one left
    files.replace_directory(target, _write({"a.txt": "more"}), keep_existing=True)
    assert _tree(target) == {"a.txt": "more", "c.txt": "new"}


def test_the_two_step_rename_is_used_where_exchange_is_unavailable(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(files, "exchange", lambda first, second: False)
    target = tmp_path / "out"
    files.replace_directory(target, _write({"a.txt": "old"}))
    files.replace_directory(target, _write({"a.txt": "new"}))
    assert _tree(target) == {"a.txt": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_exchange_swaps_two_directories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("b")
    if not files.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("no atomic exchange on this system or file system")
    assert (tmp_path / "a" / "x").read_text() == "b"
    assert (tmp_path / "b" / "x").read_text() == "a"


def test_strays_of_dead_processes_are_deleted_by_the_next_write(tmp_path):
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(process.stdout)
    for kind in ("tmp", "old"):
        stray = files.temporary_sibling(tmp_path / "out", kind, pid=dead)
        stray.mkdir()
        (stray / "half.txt").write_text("half")
    alive = files.temporary_sibling(tmp_path / "out", "tmp", pid=os.getppid())
    alive.mkdir()  # another writer still at work: left alone
    assert len(files.stray_siblings(tmp_path / "out")) == 2
    files.replace_directory(tmp_path / "out", _write({"a.txt": "new"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", alive.name])


def test_writing_a_directory_over_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    with pytest.raises(ValueError, match="a file of that name exists"):
        files.replace_directory(tmp_path / "out", _write({"a.txt": "new"}))
    assert (tmp_path / "out").read_text() == "not a directory"


def test_write_json_replaces_a_file_in_one_step(tmp_path):
    path = tmp_path / "report.json"
    files.write_json(path, {"a": 1})
    files.write_json(path, {"a": 2})
    assert path.read_text() == '{\n  "a": 2\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    "make, kind, message",
    [
        (lambda t: (t / "f").write_text("x") and t / "f" / "out", "directory",
         r"--output '.*/f/out' cannot be written: '.*/f' is a file"),
        (lambda t: (t / "f").write_text("x") and t / "f" / "a" / "b", "directory",
         r"cannot be written: '.*/f' is a file, not a directory"),
        (lambda t: (t / "f").write_text("x") and t / "f", "directory",
         r"--output '.*/f' is a file; expected a directory path"),
        (lambda t: (t / "d").mkdir() or t / "d", "file",
         r"--output '.*/d' is a directory; expected a file path"),
        (lambda t: "/proc/keras-attention-output", "directory",
         r"cannot be written: no file can be created in '/proc'"),
    ],
)  # fmt: skip
def test_bad_destinations_are_named_before_any_work(tmp_path, make, kind, message):
    with pytest.raises(ValueError, match=message):
        files.check_destination(make(tmp_path), "--output", kind=kind)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_directory_is_named(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ValueError, match="no file can be created in"):
            files.check_destination(folder / "out", "--output")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_an_existing_output_file_needs_overwrite(tmp_path):
    path = tmp_path / "report.json"
    files.check_output_file(path)
    path.write_text("{}")
    with pytest.raises(ValueError, match="report.json' already exists. Give --over"):
        files.check_output_file(path)
    files.check_output_file(path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no probe
