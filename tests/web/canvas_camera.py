"""A camera for Chromium that a test controls: a canvas stream showing a real person who follows
the page's instructions.

An init script replaces ``navigator.mediaDevices.getUserMedia`` with ``canvas.captureStream()``.
About 20 times a second the page's side asks the test (a function Playwright exposes) for the next
picture, passing what the page is asking for right now, read from the DOM as a person reads the
screen (``#guide``'s ``data-phase``, ``data-challenge``, ``data-challenge-index``); the test
answers with the next frame of a :class:`~tests.capture.streams.CooperativeUser` playing a real
clip, as a JPEG data URL. Between pictures the canvas gets a few dots of fresh noise on every
animation frame, as a sensor would, so the page never captures the same picture twice.
"""

from __future__ import annotations

import base64
from typing import Any

from playwright.sync_api import Page

from tests.capture.driver import encode_jpeg
from tests.capture.streams import FrameStream

__all__ = ["CanvasCamera"]

INIT_SCRIPT = """
(() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const context = canvas.getContext("2d");
  let started = false;
  let pulling = false;
  let picture = null;

  function prompt() {
    const guide = document.getElementById("guide");
    const data = guide ? guide.dataset : {};
    return {
      phase: data.phase || null,
      challenge: data.challenge || null,
      index: data.challengeIndex === undefined ? null : Number(data.challengeIndex),
    };
  }

  async function pull() {
    if (pulling) return;
    pulling = true;
    try {
      const url = await window.__testCameraFrame(prompt(), performance.now() / 1000);
      const image = new Image();
      image.src = url;
      await image.decode();
      if (canvas.width !== image.width || canvas.height !== image.height) {
        canvas.width = image.width;
        canvas.height = image.height;
      }
      picture = image;
      context.drawImage(image, 0, 0);
    } catch (err) {
      console.warn("test camera:", err);
    } finally {
      pulling = false;
    }
  }

  function sensorNoise() {
    if (picture) {
      context.drawImage(picture, 0, 0);
      for (let i = 0; i < 64; i++) {
        const v = Math.floor(Math.random() * 256);
        context.fillStyle = `rgb(${v},${v},${v})`;
        context.fillRect(Math.floor(Math.random() * canvas.width), Math.floor(Math.random() * canvas.height), 1, 1);
      }
    }
    requestAnimationFrame(sensorNoise);
  }

  navigator.mediaDevices.getUserMedia = async () => {
    if (!started) {
      started = true;
      await pull();
      setInterval(pull, 50);
      requestAnimationFrame(sensorNoise);
    }
    return canvas.captureStream(30);
  };
})();
"""


class CanvasCamera:
    """Feeds ``stream`` to the page's camera; ``install`` before the page loads."""

    def __init__(self, stream: FrameStream) -> None:
        self.stream = stream
        self.frames = 0
        self.prompts: list[dict[str, Any]] = []

    def _frame(self, prompt: dict[str, Any], t: float) -> str:
        reply: dict[str, Any] = {"type": "frame", "phase": prompt.get("phase"), "challenge": None}
        if prompt.get("challenge") and prompt.get("index") is not None:
            reply["challenge"] = {"index": int(prompt["index"]), "type": prompt["challenge"]}
        if not self.prompts or self.prompts[-1] != prompt:
            self.prompts.append(prompt)
        frame = self.stream.next_frame(reply, t)
        if frame is None:
            raise RuntimeError("the test camera's stream has ended")
        self.frames += 1
        return "data:image/jpeg;base64," + base64.b64encode(encode_jpeg(frame, 92)).decode()

    def install(self, page: Page) -> None:
        page.expose_function("__testCameraFrame", self._frame)
        page.add_init_script(INIT_SCRIPT)
