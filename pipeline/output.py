"""Write outputs safely: only inside the output folder, through a temporary file and a rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from pipeline.errors import UnsafePathError


class OutputDir:
    """The output folder; every write lands inside it whole or not at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[Path] = []

    def path(self, relative: str) -> Path:
        """Return the absolute path for ``relative``, refusing anything that leaves the folder."""
        rel = PurePosixPath(relative)
        if (rel.is_absolute() or ".." in rel.parts or not rel.parts
                or any(ord(ch) < 32 or ch in '\\:*?"<>|' for ch in relative)):
            raise UnsafePathError(f"refusing to write '{relative}': not a plain path inside "
                                  "the output folder")
        target = self.root.joinpath(*rel.parts)
        self.root.mkdir(parents=True, exist_ok=True)
        # Resolve the parent: a symlink inside build/ must not carry a write elsewhere.
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        if not parent.resolve().is_relative_to(self.root.resolve()):
            raise UnsafePathError(f"refusing to write '{relative}': {parent} leads outside "
                                  f"{self.root}")
        return target

    @contextlib.contextmanager
    def replacing(self, relative: str) -> Iterator[Path]:
        """Yield a temporary path to write; move it over ``relative`` only if the block succeeds."""
        target = self.path(relative)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
        os.close(fd)
        temp = Path(temp_name)
        try:
            yield temp
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            # KeyboardInterrupt included: a half-written file never takes the old one's place.
            temp.unlink(missing_ok=True)
            raise
        self.written.append(target)

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write ``data`` to ``relative`` atomically and return the final path."""
        with self.replacing(relative) as temp:
            temp.write_bytes(data)
        return self.path(relative)

    def write_text(self, relative: str, text: str) -> Path:
        """Write UTF-8 ``text`` to ``relative`` atomically and return the final path."""
        return self.write_bytes(relative, text.encode("utf-8"))

    def copy(self, source: Path, relative: str) -> Path:
        """Copy the file ``source`` to ``relative`` atomically, unless it is already identical."""
        target = self.path(relative)
        if target.is_file() and _same_file_content(source, target):
            return target
        with self.replacing(relative) as temp:
            shutil.copyfile(source, temp)
        return target


def _same_file_content(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()
