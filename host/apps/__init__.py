"""The applications built on the library (``tcphw.host.backends``) and the link (``tcphw.host.link``).

- ``bench``, ``bench_plot``: throughput and latency with confidence intervals (``tcphw bench``);
- ``explore``: design-space sweeps of lanes x pipeline (``tcphw explore``);
- ``experiment``: randomised, interleaved experiments and their statistics (``tcphw experiment``);
- ``tools``: the tool layer: sandboxed documentation scans, risk levels, the registry (``tcphw tools``);
- ``doctor``: what this machine can do (``tcphw doctor``);
- ``environment``: the machine facts every result records.

The command line (``tcphw.host.cli``) is a thin layer over these; nothing here imports it.
"""
