"""tcphw: hardware-in-the-loop co-design toolkit for TCP v2 descriptor validation.

Subpackages live in the repository's top-level folders (``hdl/``, ``sim/``, ``host/``,
``boards/``, ``projections/``), linked into this package, so they import as
``tcphw.hdl``, ``tcphw.host`` and so on. The contract is ``tcphw.contract``.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

# A checkout made without symlinks (Windows, core.symlinks=false) has small text files where the
# links should be; say so here rather than fail later with an import error that names neither.
for _name in ("hdl", "sim", "host", "boards", "projections", "examples"):
    if (_Path(__file__).parent / _name).is_file():
        raise ImportError(
            f"tcphw/{_name} is a plain file, not the link to ../{_name}: this checkout was made without "
            "symlinks. tcphw's checkout needs Linux or macOS (or git config core.symlinks true); "
            "'pip install tcphw' has no such need"
        )
