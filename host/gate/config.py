"""Where the gate keeps its things, so the hook, the MCP server and the service find each other with no flags:
the registry (the tool layer's), the person's rules and settings in the user's config folder, the audit log in
the user's data folder, the service's socket in the user's runtime folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "tcphw"


def default_registry() -> Path:
    """The registry ``tcphw tools scan`` writes (the tool layer's default)."""
    return data_dir() / "tools.sqlite"


def config_dir() -> Path:
    return Path(os.environ.get("TCPHW_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("TCPHW_DATA_DIR") or platformdirs.user_data_dir(APP))


def rules_file() -> Path:
    return config_dir() / "gate-rules.json"


def settings_file() -> Path:
    return config_dir() / "gate.json"


def audit_log() -> Path:
    return data_dir() / "gate-audit.sqlite"


def service_socket() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / APP if runtime else data_dir()
    return base / "gate.sock"
