"""livecred's HTTP service (FastAPI) and command line."""

from api.app import create_app
from api.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
