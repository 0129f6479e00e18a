"""The data sets beside the repository, in `../shared/data`.

A clone of this repository may have a `shared` directory beside it holding
the data sets the presets were trained on (see its README). The loaders
read them from there when present, else download them, and the records
name them relative to the repository (`../shared/data/...`), not by this
machine's absolute path.
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def shared_data_directory(subdirectory, filename):
    """`../shared/data/<subdirectory>`, found from the working directory or
    the repository, if it holds `filename`; else None (download)."""
    for base in (Path.cwd(), REPOSITORY):
        candidate = (base / ".." / "shared" / "data" / subdirectory).resolve()
        if (candidate / filename).is_file():
            return candidate
    return None


def shown(path):
    """`path` relative to the repository when it lies beside it (the shared
    data: `../shared/...`), else as it is (e.g. the Keras cache)."""
    try:
        return str(Path("..") / Path(path).resolve().relative_to(REPOSITORY.parent))
    except ValueError:
        return str(path)
