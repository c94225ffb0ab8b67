"""livecred's HTTP service (FastAPI) and command line."""

from livecred.app import create_app
from livecred.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
