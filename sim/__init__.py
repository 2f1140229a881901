"""Simulation: cocotb testbenches and the virtual board."""
