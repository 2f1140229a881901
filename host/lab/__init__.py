"""A lab of machines: work spread over a Dask cluster, placed where its backend can run.

- ``cluster``: connect to a scheduler, the worker resources a backend needs (its board, a GPU: read from the
  backend itself), and the refusal of work no worker can run.

Boards shared through labgrid places are serial URLs, so they live with the link (``tcphw.host.link.labgrid``);
the Dask actor that runs an experiment's backend on a worker is the experiment's
(``tcphw.host.apps.experiment.runner.BackendActor``).
"""
