"""ASGI entry point: ``uvicorn api.main:app --port 5003``."""

from api.app import create_app

app = create_app()
