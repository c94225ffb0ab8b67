"""The one place onnxruntime sessions are made.

All models share the same execution settings (CPU provider, thread counts, quiet logging), so
they live here rather than in each model's file. ``InferenceSession.run`` is thread-safe, so one
session per model serves every concurrent request.
"""

from __future__ import annotations

from dataclasses import dataclass

import onnxruntime as ort

__all__ = ["RuntimeOptions", "create_session"]


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """``intra_op_threads`` 0 lets onnxruntime pick (one per physical core).

    ``allow_spinning`` off: idle pool threads sleep instead of busy-waiting for the next run.
    """

    intra_op_threads: int = 0
    inter_op_threads: int = 1
    allow_spinning: bool = False


def create_session(model: bytes, options: RuntimeOptions | None = None) -> ort.InferenceSession:
    opts = options or RuntimeOptions()
    so = ort.SessionOptions()
    so.intra_op_num_threads = opts.intra_op_threads
    so.inter_op_num_threads = opts.inter_op_threads
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3  # errors only: shape-mismatch chatter is expected for YuNet
    # Each session owns a thread pool; spinning pools of four sessions would burn the cores that
    # image decoding and the event loop need between runs.
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if opts.allow_spinning else "0")
    return ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])
