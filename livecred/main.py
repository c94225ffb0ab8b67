"""ASGI entry point: ``uvicorn livecred.main:app --port 5003``."""

from livecred.app import create_app

app = create_app()
