"""Writing directories and files so that nothing is lost, and checking where
they will go before work starts.

A directory is written into a temporary sibling, `.<name>.tmp-<pid>` (same
parent, so same file system), then renamed into place. An existing directory
is swapped with the new one in one step where the system allows it (Linux
`renameat2(RENAME_EXCHANGE)`); elsewhere the old one is renamed aside
(`.<name>.old-<pid>`), the new one renamed in, and the old one deleted. A
process killed at any moment leaves the complete old directory or the
complete new one, and at worst a stray sibling with one of those names; the
next write to the same target deletes the strays of processes that no longer
run.
"""

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

# Kinds of temporary siblings: the directory being written, the old one
# renamed aside.
_TEMPORARY_KINDS = ("tmp", "old")


def temporary_sibling(path, kind="tmp", pid=None):
    """`<parent>/.<name>.<kind>-<pid>`: where `path` is written before the
    rename, or where its old version waits to be deleted."""
    path = Path(path)
    return path.parent / f".{path.name}.{kind}-{os.getpid() if pid is None else pid}"


def stray_siblings(path, suffix=""):
    """Temporary siblings of `path` left by processes that no longer run.

    Args:
        path: the directory or file the siblings were written for.
        suffix: what their names end with after the process id (e.g.
            `".weights.h5"` for `.best.tmp-<pid>.weights.h5` of `best`).
    """
    path = Path(path)
    pattern = re.compile(
        rf"\.{re.escape(path.name)}\.({'|'.join(_TEMPORARY_KINDS)})-(\d+)"
        + re.escape(suffix)
    )
    strays = []
    if not path.parent.is_dir():
        return strays
    for sibling in path.parent.iterdir():
        match = pattern.fullmatch(sibling.name)
        if match and not _is_running(int(match.group(2))):
            strays.append(sibling)
    return sorted(strays)


def _is_running(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def fsync_tree(directory):
    """Flushes every file of `directory`, then the directories, to the disk."""
    directory = Path(directory)
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as file:
                os.fsync(file.fileno())
    _fsync_directory(directory)


def _fsync_directory(directory):
    with contextlib.suppress(OSError):  # not every system opens directories
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def exchange(first, second):
    """Swaps two existing paths in one atomic step (Linux `renameat2`).

    Returns:
        bool: whether they were swapped; False where the system or the file
        system cannot (the caller then renames in two steps).
    """
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [
        ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint
    ]  # fmt: skip
    result = renameat2(
        at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def replace_directory(target, write, keep_existing=False):
    """Writes a directory beside `target`, then puts it in `target`'s place.

    Args:
        target: the directory to create or replace.
        write: `write(directory)` fills the new directory (it exists, empty,
            or holding a copy of the existing one with `keep_existing`).
        keep_existing: start from a copy of the existing directory, so that
            `write` adds or replaces files in it rather than replacing it all.

    Returns:
        `pathlib.Path` of `target`.

    Raises:
        ValueError: if `target` is an existing file.
    """
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        raise ValueError(
            f"Cannot write the directory {str(target)!r}: a file of that name "
            "exists. Expected a directory path (new or an existing directory)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_sibling(target, "tmp")
    if temporary.exists():
        _remove(temporary)
    if keep_existing and target.is_dir():
        shutil.copytree(target, temporary, symlinks=True)
    else:
        temporary.mkdir()
    try:
        write(temporary)
        fsync_tree(temporary)
    except BaseException:
        _remove(temporary)
        raise
    if not target.exists():
        os.rename(temporary, target)
    elif exchange(temporary, target):
        _remove(temporary)  # now the old directory
    else:
        old = temporary_sibling(target, "old")
        if old.exists():
            _remove(old)
        os.rename(target, old)
        os.rename(temporary, target)
        _remove(old)
    _fsync_directory(target.parent)
    for stray in stray_siblings(target):
        _remove(stray)
    return target


def write_text(path, text):
    """Writes a text file atomically: a temporary sibling, then a rename."""
    path = Path(path)
    temporary = temporary_sibling(path, "tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_json(path, data):
    """`write_text(path, json.dumps(data, indent=2))`."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def check_destination(path, option="--output", kind="directory"):
    """Checks, before any work, that `path` can be written.

    The nearest existing ancestor must be a directory in which a file can be
    created (tried with a temporary file, then removed): a path under an
    existing file, or in a read-only or non-writable directory, fails here
    rather than at the end of a training run.

    Args:
        path: the directory or file to be written (need not exist).
        option: the option or argument that gave it, for the error.
        kind: `"directory"` or `"file"`: what `path` must be if it exists.

    Raises:
        ValueError: naming `option`, the path, and what is wrong.
    """
    shown = str(path)
    path = Path(path).absolute()
    if path.exists() and (path.is_dir() != (kind == "directory")):
        found = "a directory" if path.is_dir() else "a file"
        raise ValueError(f"{option} {shown!r} is {found}; expected a {kind} path.")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(
            f"{option} {shown!r} cannot be written: {str(ancestor)!r} is a "
            "file, not a directory."
        )
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".write-check-", dir=ancestor)
    except OSError as error:
        raise ValueError(
            f"{option} {shown!r} cannot be written: no file can be created "
            f"in {str(ancestor)!r} ({error.strerror or error}). Expected a "
            "writable location."
        ) from None
    os.close(descriptor)
    os.unlink(probe)


def check_output_file(path, overwrite=False, option="--output"):
    """`check_destination` for a file, which exists only with `overwrite`.

    Raises:
        ValueError: naming `option` and the path.
    """
    check_destination(path, option, kind="file")
    if Path(path).exists() and not overwrite:
        raise ValueError(
            f"{option} {str(path)!r} already exists. Give --overwrite to replace "
            "it, or another path."
        )
