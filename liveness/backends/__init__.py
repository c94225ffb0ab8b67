"""Optional engines behind the engine's interfaces, each installed as an extra and importing its
own framework (TensorFlow, torch) only inside itself: ``liveness.backends.deepface`` ..."""

__all__: list[str] = []
