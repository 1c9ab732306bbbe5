"""Write the part of pyproject.toml that installing the project reads, and its requirements.

The image installs the dependencies and the project from this trimmed copy, so an edit
elsewhere in pyproject.toml (the linters' or the tests' settings, the dev extras, the
readme) leaves the virtualenv's layers cached. Output files get a fixed mtime: the
engine then sees the same content as the same layer.

    python installable.py pyproject.toml OUT_DIR   # OUT_DIR/pyproject.toml, requirements.txt
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

# The tables a setuptools build of the project reads; `readme` and the extras are not
# needed in the image.
DROP_FROM_PROJECT = ("readme", "optional-dependencies")


def _emit(path: list[str], table: dict[str, Any], out: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    if scalars:
        out.append(f"[{'.'.join(json.dumps(p) for p in path)}]")
        # JSON strings and arrays of strings are valid TOML values.
        out.extend(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in scalars.items())
        out.append("")
    for key, value in table.items():
        if isinstance(value, dict):
            _emit([*path, key], value, out)


def main(source: str, target: str) -> None:
    data = tomllib.loads(Path(source).read_text())
    project = {k: v for k, v in data["project"].items() if k not in DROP_FROM_PROJECT}
    kept = {"build-system": data["build-system"], "project": project}
    if "setuptools" in data.get("tool", {}):
        kept["tool"] = {"setuptools": data["tool"]["setuptools"]}
    out: list[str] = []
    for key, value in kept.items():
        _emit([key], value, out)
    # What we wrote must read back as the same tables.
    assert tomllib.loads("\n".join(out)) == kept
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "pyproject.toml": "\n".join(out),
        "requirements.txt": "".join(f"{d}\n" for d in project["dependencies"]),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
        os.utime(folder / name, (0, 0))
    os.utime(folder, (0, 0))


if __name__ == "__main__":
    main(*sys.argv[1:3])
