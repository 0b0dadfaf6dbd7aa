"""A git revision's tree in a temporary folder, for the benchmarks' `--compare` (run with
this checkout's virtualenv). `git archive` rather than a worktree: nothing is registered in
the repository, so a benchmark stopped midway leaves nothing behind to prune."""

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def revision_checkout(rev: str) -> Iterator[Path]:
    """`rev`'s files (as committed: no virtualenv, no compiled catalogues), removed after."""
    with tempfile.TemporaryDirectory(prefix="commonset-bench-") as tmp:
        path = Path(tmp) / "checkout"
        path.mkdir()
        archive = subprocess.run(
            ["git", "archive", rev], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(path)], input=archive, check=True)
        yield path
