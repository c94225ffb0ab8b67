"""livecred's HTTP service (FastAPI) and command line.

The names below are imported on first use, not with the package: ``livecred.cli`` lives in this
package and ``livecred --help`` must not pay for the whole application.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from livecred.app import create_app
    from livecred.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from livecred.app import create_app

        return create_app
    if name in ("Settings", "get_settings"):
        from livecred import settings

        return getattr(settings, name)
    raise AttributeError(f"module 'livecred' has no attribute {name!r}")
