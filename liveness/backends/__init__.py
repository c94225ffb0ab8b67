"""Optional engines (DeepFace, torch FasNet, uniface) behind the default engine's interfaces.

A backend provides any of ``liveness.detect.FaceDetector``, ``liveness.antispoof.AntiSpoof`` or
``liveness.embed.FaceEmbedder`` and is passed to ``LivenessEngine``; the API never changes. Each
backend imports its heavy framework inside its own module, with an install hint on ImportError.
None ships yet: the default onnxruntime engine is the only one.
"""

__all__: list[str] = []
