"""Board definitions for the open FPGA toolchains."""
