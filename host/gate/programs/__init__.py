"""The gate's knowledge of programs, one module per family. Importing this package registers every handler
with :func:`tcphw.host.gate.analyse.program`; a new family is a new module listed here."""

from tcphw.host.gate.programs import (  # noqa: F401  (registration side effects)
    build,
    builtins,
    cloud,
    code,
    containers,
    databases,
    files,
    git,
    net,
    packages,
    scripted,
    search,
    system,
    text,
    wrappers,
)
