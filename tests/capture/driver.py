"""Drive one live capture over a WebSocket with a virtual clock, as the capture contract describes.

The app's ``capture_clock`` is a :class:`VirtualClock`; before each frame the driver advances it by
1/fps, so the server stamps frames and announcements with deterministic times and a 10 s take runs
as fast as the models allow. The driver sends one frame and reads its one reply (a synchronous
client may; a browser does not wait). Works with Starlette's ``TestClient`` WebSocket session.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np

from tests.capture.streams import FrameStream

__all__ = ["CaptureEnded", "VirtualClock", "encode_jpeg", "run_capture"]

JPEG_QUALITY = 90
# A take that has not ended after this long (virtual seconds) never will: the server's own
# capture timeout is far shorter.
MAX_SECONDS = 120.0


class WebSocketLike(Protocol):
    def send_json(self, data: Any, mode: str = ...) -> None: ...
    def send_bytes(self, data: bytes) -> None: ...
    def receive_json(self, mode: str = ...) -> Any: ...


class VirtualClock:
    """A monotonic clock the test moves by hand; ``clock()`` reads it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


class CaptureEnded(AssertionError):
    """The stream ran out (or ran too long) before the server sent its result."""


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    return buffer.tobytes()


def run_capture(
    ws: WebSocketLike,
    stream: FrameStream,
    clock: VirtualClock,
    *,
    fps: float = 12.0,
    id_image: np.ndarray | None = None,
    replies: list[dict[str, Any]] | None = None,
    encode: Callable[[np.ndarray], bytes] = encode_jpeg,
) -> dict[str, Any]:
    """Start the take, stream frames until the server's ``result`` (or ``error``), and return it.

    ``replies``, when given, collects every message the server sent (``ready`` first); ``encode``
    turns each frame into the bytes sent (JPEG, as a camera page sends; PNG where the pixels must
    arrive exact).
    Stream time starts at 0 with the first frame; the server sees the virtual clock.
    """
    start: dict[str, Any] = {"type": "start"}
    if id_image is not None:
        start["idImage"] = base64.b64encode(encode_jpeg(id_image, 92)).decode()
    ws.send_json(start)
    ready = ws.receive_json()
    if replies is not None:
        replies.append(ready)
    if ready.get("type") != "ready":
        return dict(ready)
    reply: dict[str, Any] | None = None
    t = 0.0
    while t < MAX_SECONDS:
        t += 1.0 / fps
        clock.advance(1.0 / fps)
        frame = stream.next_frame(reply, t)
        if frame is None:
            raise CaptureEnded(f"the stream ended after {t:.2f} s without a result; last reply {reply}")
        ws.send_bytes(encode(frame))
        reply = dict(ws.receive_json())
        if replies is not None:
            replies.append(reply)
        if reply.get("type") in ("result", "error"):
            return reply
    raise CaptureEnded(f"no result after {MAX_SECONDS:.0f} s of stream; last reply {reply}")
