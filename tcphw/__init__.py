"""tcphw: hardware-in-the-loop co-design toolkit for TCP v2 descriptor validation.

Subpackages live in the repository's top-level folders (``hdl/``, ``sim/``, ``host/``,
``boards/``, ``projections/``), linked into this package, so they import as
``tcphw.hdl``, ``tcphw.host`` and so on. The contract is ``tcphw.contract``.
"""

__version__ = "0.1.0"
