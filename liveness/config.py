"""``EngineConfig``: the decision thresholds every engine facade shares (single images,
interactive checks, live takes). The defaults are the shipped, calibrated values (docs/thresholds.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from liveness.challenges import BlinkConfig, ChallengeThresholds
from liveness.embed import TEMPLATE_MAPPING, ConfidenceMapping, operating_point_confidence
from liveness.passive import PassiveConfig
from liveness.quality import QualityConfig

__all__ = ["EngineConfig"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Decision thresholds. The defaults are the shipped, calibrated values (docs/thresholds.md)."""

    # Fitted on NUAA (logit midpoint of the 1% tails, liveness.evaluation.fit_pad_threshold):
    # 0.289 on all subjects, 0.25-0.33 leaving each out; rounded up (docs/MODEL_CARD.md).
    antispoof_threshold: float = 0.3
    # The ``default`` operating point: estimated FAR 1e-4 (confidence = -log10(FAR) / 6).
    min_match_confidence: float = field(default_factory=lambda: operating_point_confidence("default"))
    match_mapping: ConfidenceMapping = field(default_factory=ConfidenceMapping)
    # The same scale for a template of several frames (liveness.embed.mean_template) against one
    # image: a template is closer to everyone, so the same FAR needs a higher cosine.
    template_mapping: ConfidenceMapping = TEMPLATE_MAPPING
    # Two frames of one session must show the same person: the same ``default`` point.
    min_same_person_confidence: float = field(default_factory=lambda: operating_point_confidence("default"))
    smile_threshold: float = 50.0
    challenges: ChallengeThresholds = field(default_factory=ChallengeThresholds)
    blink: BlinkConfig = field(default_factory=BlinkConfig)
    passive: PassiveConfig = field(default_factory=PassiveConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    # Refuse (FaceQualityTooLow) instead of matching a face that fails the gate, in match/verify.
    quality_gate: bool = True
