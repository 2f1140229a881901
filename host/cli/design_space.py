"""The validator's design space as the command line offers it: lane counts and pipeline depths, with why each
command offers the depths it does.

The gateware is the source (``tcphw.hdl.validator``: ``LANE_CHOICES``, and 0 to 8 register stages). The commands
restate it here, once, because their options are declared when ``tcphw --help`` loads every command module, and
importing the gateware there would load Amaranth. ``tests/test_cli_design_space.py`` holds these to the gateware.
"""

from __future__ import annotations

#: Descriptors per cycle the validator core is built for (``tcphw.hdl.validator.LANE_CHOICES``).
LANES = (1, 2, 4, 8)
#: Register stages the core takes (``tcphw export``): 0 is combinational, with no clock or reset port.
CORE_DEPTHS = range(0, 9)
#: What ``tcphw synth`` measures: its Fmax harness clocks and resets the core, and a core without a stage has
#: neither port (Yosys stops at the harness's missing ``rst``), so depth 0 is for ``tcphw export`` alone.
SYNTH_DEPTHS = range(1, 9)
#: What ``tcphw formal`` proves the pipeline and handshake of: its ``comb`` task proves the combinational core
#: (depth 0) itself, and the others compare a core with stages against it.
FORMAL_DEPTHS = range(1, 9)
#: What ``tcphw explore`` sweeps on a board: every board at every lane count and these depths is checked to build
#: and be measured before any point is built (``tests/test_explore.py``); deeper stages gained nothing there
#: already at 3 against 2 on the iCEBreaker (``docs/explore.md``).
EXPLORE_DEPTHS = range(1, 5)


def span(depths: range) -> str:
    """``range(1, 5)`` -> ``"1..4"``, as the help says it."""
    return f"{depths.start}..{depths.stop - 1}"


def lanes_text() -> str:
    """``"1, 2, 4 or 8"``."""
    return ", ".join(map(str, LANES[:-1])) + f" or {LANES[-1]}"
