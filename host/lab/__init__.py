"""A lab of boards and machines: boards shared through labgrid places, work spread with Dask.

- ``labgrid``: acquire a labgrid place, turn its serial resource into a pyserial URL, release it on
  every exit path; write or run an exporter for a board on this host (``tcphw board export``).
"""
