"""Small typed readers for settings that come from the environment.

Every value may also come from a file: ``SECRET_KEY_FILE=/run/secrets/key`` is read when
``SECRET_KEY`` itself is unset (the Docker/Kubernetes secrets convention).
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name, "").strip().lower()
    if raw == "" and name not in os.environ:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name, "")
    if not raw.strip():
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = env_str(name, "").strip()
    return int(raw) if raw else default
