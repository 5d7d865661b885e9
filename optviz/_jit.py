"""The one place where Numba is configured for optviz.

Every kernel in the package is compiled with the options below. Kernels are cached on disk so a new
process loads them instead of compiling again. Numba keys a cache entry on the modification time of
the file that defines the kernel only, not on the files whose functions it inlines (the surfaces and
the update rules); to keep a stale kernel from ever being loaded, the cache lives in a folder named
after a hash of every jitted source file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import llvmlite.binding as llvm
import numba

_PACKAGE_DIR = Path(__file__).resolve().parent
_JITTED_SOURCES = (
    _PACKAGE_DIR / "_jit.py",
    _PACKAGE_DIR / "rules.py",
    _PACKAGE_DIR / "engine.py",
    _PACKAGE_DIR.parent / "surfaces" / "functions.py",
    _PACKAGE_DIR.parent / "surfaces" / "program.py",
)

# Strict IEEE arithmetic (no fastmath) so the engine matches plain-Python references to ~1e-12;
# error_model="numpy" lets division by zero give inf (caught as divergence) instead of raising.
JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


# The update rules read and write a dozen rows of one block per lane; LLVM's default limits on the
# run-time overlap checks it may emit (8) make it give up vectorising them (Adam ran 3x slower).
for _option in (
    "-runtime-memory-check-threshold=256",
    "-vectorize-memory-check-threshold=256",
    "-memory-check-merge-threshold=256",
):
    llvm.set_option("optviz", _option)


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in _JITTED_SOURCES:
        digest.update(path.read_bytes())
    digest.update(numba.__version__.encode())
    return digest.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _choose_cache_dir() -> Path | None:
    """The package's own __pycache__, else the user's cache, else the temp folder."""
    name = f"numba-{_source_hash()}"
    candidates = [
        _PACKAGE_DIR / "__pycache__" / name,
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "optviz" / name,
        Path(tempfile.gettempdir()) / "optviz" / name,
    ]
    for folder in candidates:
        if _writable(folder):
            return folder
    return None


def configure_cache() -> str | None:
    """Points Numba at our cache folder (a user's NUMBA_CACHE_DIR wins); with no writable folder
    anywhere, kernels are compiled in memory instead of failing to import. Returns the folder."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    folder = _choose_cache_dir()
    JIT_OPTIONS["cache"] = folder is not None
    if folder is not None:
        numba.config.CACHE_DIR = str(folder)
    return None if folder is None else str(folder)


# Before any kernel is decorated: Numba reads the folder when `jit` wraps a function.
CACHE_DIR = configure_cache()


def jit(*args, **kwargs):
    """`numba.njit` with the package's options; extra keyword arguments are added to them."""
    options = {**JIT_OPTIONS, **kwargs}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(**options)
