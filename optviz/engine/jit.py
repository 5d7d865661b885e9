"""The one place where Numba is configured for optviz.

Every kernel in the package is compiled with the options below. Kernels are cached on disk so a new
process loads them instead of compiling again. Numba keys a cache entry on the modification time of
the file that defines the kernel only, not on the files whose functions it inlines (the surfaces and
the update rules); to keep a stale kernel from ever being loaded, the cache lives in a folder named
after a hash of every jitted source file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import numba

_PACKAGE_DIR = Path(__file__).resolve().parent
# Where the package lives: a checkout, or site-packages (surfaces installs beside optviz).
_SURFACES = Path(importlib.util.find_spec("surfaces").origin).parent  # type: ignore[arg-type]
_JITTED_SOURCES = (
    _PACKAGE_DIR / "jit.py",
    _PACKAGE_DIR / "rules.py",
    _PACKAGE_DIR / "kernels.py",
    _PACKAGE_DIR / "batches.py",
    _SURFACES / "functions.py",
    _SURFACES / "program.py",
)

# Strict IEEE arithmetic (no fastmath) so the engine matches plain-Python references to ~1e-12;
# error_model="numpy" lets division by zero give inf (caught as divergence) instead of raising.
JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


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


def _skip_blas_probe() -> None:
    """Loads Numba's NumPy support with its BLAS probe failing at once.

    Loading the first kernel imports `numba.np.arraymath`, which probes for a BLAS by importing
    scipy.linalg: about 0.4 s of a fresh process's first call when SciPy is installed. These
    kernels use no BLAS. Without the probe, only np.correlate and np.convolve in jitted code
    loop instead of calling BLAS; np.dot and np.linalg still import SciPy when they are compiled.
    """
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # makes `import scipy.linalg...` raise ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg"]


_skip_blas_probe()

# Before any kernel is decorated: Numba reads the folder when `jit` wraps a function.
CACHE_DIR = configure_cache()


def jit(*args, **kwargs):
    """`numba.njit` with the package's options; extra keyword arguments are added to them."""
    options = {**JIT_OPTIONS, **kwargs}
    if options.get("inline") == "always":
        # Compiled only into its callers, whose cache holds it; a cache of its own would only
        # cost time at import (about 0.5 ms per function).
        options["cache"] = False
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(**options)


def helper(fn):
    """A small function that kernels call inside their loops over lanes.

    Compiled once, on its own, and inlined into each caller by LLVM, which also removes the
    reference counting of the arrays passed to it. Numba's own inlining (`inline="always"`)
    re-types a copy of the function at every call site: with the update rules' helpers, that was
    three quarters of the engine's compile time. Not cached: its callers' cache entries hold its
    code.
    """
    return numba.njit(**{**JIT_OPTIONS, "cache": False})(fn)
