"""The packages the image installs: pyproject.toml's dependencies, plus one optional-dependency group.

    python requirements.py pyproject.toml [EXTRA]   # one requirement per line, for pip install -r

A group that brings its own TensorFlow (EXTRA=gpu: tensorflow[and-cuda]) replaces the CPU build, as
`pip install ".[gpu]"` would not: pip would install both, and whichever unpacked last would win.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def package_name(requirement: str) -> str:
    """'tensorflow[and-cuda]==2.21.*' → 'tensorflow'; 'tensorflow-cpu==2.21.*' → 'tensorflow-cpu'."""
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


def requirements(project: dict, extra: str = "") -> list[str]:
    """The base dependencies, with `extra`'s group added; raises ValueError naming the groups there are."""
    base = list(project["dependencies"])
    if not extra:
        return base
    groups = project.get("optional-dependencies", {})
    if extra not in groups:
        raise ValueError(f"EXTRA={extra!r} is not an optional-dependency group; there are: {', '.join(groups)}")
    group = list(groups[extra])
    if any(package_name(r).startswith("tensorflow") for r in group):
        base = [r for r in base if not package_name(r).startswith("tensorflow-cpu")]
    return base + group


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    project = tomllib.loads(Path(argv[0]).read_text())["project"]
    try:
        print("\n".join(requirements(project, argv[1] if len(argv) == 2 else "")))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
