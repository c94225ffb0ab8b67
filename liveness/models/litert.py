"""The one place LiteRT (TensorFlow Lite) interpreters are made.

The face mesh, its BlazeFace detector and the iris model run as Google's official ``.tflite``
files, verified against the sha256 that MediaPipe pins, on LiteRT (``ai-edge-litert``). Measured
against their ONNX conversions on onnxruntime (``bench/mesh_runtime.py``), the landmarks agree
to 0.001 px on the same crop and the mesh runs 2-3x faster, and only the ``.tflite`` files can
be fetched from an official URL (docs/interactive.md has the numbers).

A LiteRT ``Interpreter`` is not thread-safe, unlike an onnxruntime session, so each model keeps a
small pool: a request takes an idle interpreter or builds one (up to ``pool_size``), and waits
for one to come back beyond that. Each interpreter runs on one thread: these models take 1-2 ms,
and a second thread was measured to make them slower, not faster.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["TFLiteModel"]

_INSTALL_HINT = "the face mesh needs LiteRT: pip install ai-edge-litert"


def _interpreter_class() -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:  # pragma: no cover - a broken install, not a code path
        raise ImportError(_INSTALL_HINT) from exc
    return Interpreter


class TFLiteModel:
    """A ``.tflite`` model with one float32 input; ``run`` is thread-safe."""

    def __init__(self, model: bytes, *, pool_size: int = 8, on_run: Callable[[float], None] | None = None) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self._model = model
        self._on_run = on_run  # told each run's seconds (liveness/timing.py)
        self._pool_size = pool_size
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._created = 1
        first = self._build()  # fail at load time, not at the first request
        details = first.get_input_details()[0]
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in details["shape"])
        self._input_index = int(details["index"])
        outputs = first.get_output_details()
        self.output_names: tuple[str, ...] = tuple(str(d["name"]) for d in outputs)
        self._output_indices = tuple(int(d["index"]) for d in outputs)
        self._idle.put(first)

    def _build(self) -> Any:
        interpreter = _interpreter_class()(model_content=self._model, num_threads=1)
        interpreter.allocate_tensors()
        return interpreter

    def _acquire(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_build = self._created < self._pool_size
            if may_build:
                self._created += 1  # reserved before building, so the pool never overshoots
        return self._build() if may_build else self._idle.get()

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        """Outputs by name (copies: safe to keep after the interpreter is reused)."""
        interpreter = self._acquire()
        start = time.perf_counter()
        try:
            interpreter.set_tensor(self._input_index, np.ascontiguousarray(tensor, dtype=np.float32))
            interpreter.invoke()
            return {
                name: interpreter.get_tensor(index)
                for name, index in zip(self.output_names, self._output_indices, strict=True)
            }
        finally:
            if self._on_run is not None:
                self._on_run(time.perf_counter() - start)
            self._idle.put(interpreter)
