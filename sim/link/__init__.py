"""The link in simulation.

- ``model``: ``BoardModel``, the board's answers in Python, byte for byte as the gateware gives them;
- ``top_tb``: the cocotb tests of the whole board top at pin level against that model.
"""
