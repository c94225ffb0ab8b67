"""``EngineConfig``: the decision thresholds every engine facade shares (single images,
interactive checks, live takes). The defaults are the shipped, calibrated values (README)."""

from __future__ import annotations

from dataclasses import dataclass, field

from liveness.challenges import BlinkConfig, ChallengeThresholds
from liveness.embed import ConfidenceMapping
from liveness.passive import PassiveConfig
from liveness.quality import QualityConfig

__all__ = ["EngineConfig"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Decision thresholds. The defaults are the shipped, calibrated values (see the README)."""

    antispoof_threshold: float = 0.6
    min_match_confidence: float = 0.6
    match_mapping: ConfidenceMapping = field(default_factory=ConfidenceMapping)
    # Two frames of one session must show the same person: the /verify operating point (cosine
    # 0.44, the impostor ceiling), since a turned head lowers genuine similarity.
    min_same_person_confidence: float = 0.4
    smile_threshold: float = 50.0
    challenges: ChallengeThresholds = field(default_factory=ChallengeThresholds)
    blink: BlinkConfig = field(default_factory=BlinkConfig)
    passive: PassiveConfig = field(default_factory=PassiveConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    # Refuse (FaceQualityTooLow) instead of matching a face that fails the gate, in match/verify.
    quality_gate: bool = True
