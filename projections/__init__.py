"""ASIC/FPGA projection models from measured synthesis results and published data."""
