"""A hang detector for calls that must return: it bounds a test's wait, it does not time the call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def finishes(call: Callable[[], object], *, within: float = 60.0) -> Any:
    """``call()``'s result or the exception it raised, from a thread that must end within
    ``within`` seconds; a call still running then is a hang (a deadline or timeout did not hold)."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), f"still running after {within} s: a deadline did not hold"
    return box[0]
