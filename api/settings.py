"""Service settings, read from the environment once, in ``create_app`` / the CLI.

``PORT`` and ``ANTISPOOF_THRESHOLD`` keep the names the original liveness service used; every
other variable is ``LIVECRED_<FIELD>`` (``LIVECRED_MODELS_DIR``, ``LIVECRED_STATE_DIR``, ...).
Relative paths are resolved against the working directory.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_cache_path, user_data_path
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_models_dir() -> Path:
    return user_cache_path("livecred") / "models"


def _default_state_dir() -> Path:
    return user_data_path("livecred")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVECRED_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(5003, ge=1, le=65535, validation_alias=AliasChoices("PORT", "LIVECRED_PORT", "port"))
    antispoof_threshold: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        validation_alias=AliasChoices("ANTISPOOF_THRESHOLD", "LIVECRED_ANTISPOOF_THRESHOLD", "antispoof_threshold"),
        description="Default fused P(real) needed to call a face live; requests may override it.",
    )
    models_dir: Path = Field(default_factory=_default_models_dir)
    state_dir: Path = Field(default_factory=_default_state_dir)

    max_image_bytes: int = Field(10 * 1024 * 1024, gt=0, description="Per decoded image.")
    max_image_pixels: int = Field(40_000_000, gt=0, description="Width x height, checked before decoding.")
    max_request_bytes: int = Field(0, ge=0, description="Whole request body; 0 = enough for two images.")

    # Bursts of camera frames (/blink-check, /passive-monitor): their body limit is derived from these.
    max_frames: int = Field(20, ge=3, le=200, description="Frames per burst.")
    max_frame_bytes: int = Field(1024 * 1024, gt=0, description="Per decoded frame.")
    max_frame_pixels: int = Field(4_000_000, gt=0, description="Per frame, width x height.")

    inference_threads: int = Field(0, ge=0, description="onnxruntime intra-op threads per model; 0 = auto.")
    max_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)

    @model_validator(mode="after")
    def _derive_request_limit(self) -> Settings:
        if self.max_request_bytes == 0:
            # Two base64 images (4/3 of the bytes each) plus room for the JSON around them.
            self.max_request_bytes = 2 * ((self.max_image_bytes + 2) // 3 * 4) + 64 * 1024
        return self

    @property
    def max_frames_request_bytes(self) -> int:
        """Body limit of a burst: every frame at its byte limit, base64-encoded, plus the JSON around it."""
        per_frame = (min(self.max_frame_bytes, self.max_image_bytes) + 2) // 3 * 4 + 1024
        return self.max_frames * per_frame + 64 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
