"""Gateware: the descriptor validator and its serial link (Amaranth HDL 0.5)."""
