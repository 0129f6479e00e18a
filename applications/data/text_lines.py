"""Reading text data files line by line, with line numbers for errors."""

from pathlib import Path


def read_lines(path, encoding="utf-8"):
    """Yields `(line_number, line)` for the lines of a text file.

    Splits on `\\n` only (a `\\r` before it is dropped), so characters such
    as U+0085, which `str.splitlines()` would treat as line breaks, stay
    inside their line.

    Args:
        path: the file.
        encoding: a codec name. `"cp1252"` falls back to Latin-1 for the
            five byte values cp1252 leaves undefined.

    Raises:
        ValueError: if a line cannot be decoded, with its line number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such data file: {str(path)!r}")
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline ending the last line
    for number, raw in enumerate(lines, start=1):
        raw = raw.removesuffix(b"\r")
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as error:
            if encoding.lower() in ("cp1252", "windows-1252"):
                line = raw.decode("latin-1")
            else:
                raise ValueError(
                    f"{path}:{number}: cannot decode the line as {encoding} "
                    f"({error.reason} at byte {error.start}). Pass the file's "
                    "encoding, e.g. encoding='latin-1'."
                ) from error
        if number == 1:
            line = line.removeprefix("\ufeff")  # a UTF-8 byte order mark
        yield number, line
