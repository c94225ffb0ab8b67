"""Optional engines behind the engine's own interfaces (issue 19), each importing its framework itself.

Nothing is imported here: ``import liveness.backends`` must stay as cheap as ``import liveness``.
"""

__all__: list[str] = []
