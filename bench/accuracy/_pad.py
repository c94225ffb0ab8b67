"""Anti-spoofing sets (NUAA print attacks, Silent-Face samples): P(real) per image, ISO 30107-3 rates."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveness import LivenessEngine
from liveness.evaluation import (
    bootstrap_rate,
    cross_validated_pad,
    equal_error_rate,
    fit_pad_threshold,
    pad_error_rates,
    stratified_sample,
)
from liveness.images import ImageLimits, decode_image_bytes


@dataclass
class PadSet:
    name: str
    real: np.ndarray
    attack: np.ndarray
    species: list[str]
    no_face: int
    real_subjects: list[str]
    attack_subjects: list[str]


def score_set(engine: LivenessEngine, name: str, folder: Path, quick: int | None) -> PadSet:
    with (folder / "labels.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    if quick:
        rows = [rows[i] for i in stratified_sample([r["label"] for r in rows], quick // 2)]
    limits = ImageLimits()
    real, attack, species, no_face = [], [], [], 0
    real_subjects, attack_subjects = [], []
    for row in rows:
        image = decode_image_bytes((folder / row["file"]).read_bytes(), limits)
        face = engine.images.detect(image).largest
        # No face on an attack is a refused attack (score 0); on a real face a refused person.
        score = 0.0 if face is None else engine.images.check_spoof(image, face=face).score
        no_face += face is None
        subject = row.get("identity") or row["file"]
        if row["label"] == "real":
            real.append(score)
            real_subjects.append(subject)
        else:
            attack.append(score)
            attack_subjects.append(subject)
            species.append(row.get("attack_type") or "spoof")
    return PadSet(name, np.asarray(real), np.asarray(attack), species, no_face, real_subjects, attack_subjects)


def cross_validated(pad: PadSet, n_boot: int = 1000) -> list[list[str]]:
    """Leave-one-subject-out thresholds (``fit_pad_threshold``), pooled held-out APCER / BPCER
    with intervals from resampling subjects, per attack species."""
    cv = cross_validated_pad(pad.real, pad.real_subjects, pad.attack, pad.attack_subjects)
    shipped = fit_pad_threshold(pad.real, pad.attack)
    apcer = bootstrap_rate(cv.attack_errors, pad.attack_subjects, pad.attack_subjects, n_boot=n_boot)
    bpcer = bootstrap_rate(cv.bona_fide_errors, pad.real_subjects, pad.real_subjects, n_boot=n_boot)
    thresholds = np.asarray(list(cv.thresholds.values()))
    rows = [
        ["subjects (bona fide / attack)", f"{len(set(pad.real_subjects))} / {len(set(pad.attack_subjects))}"],
        [
            "fold thresholds (one per held-out subject)",
            f"{thresholds.min():.3f}-{thresholds.max():.3f}, median {np.median(thresholds):.3f}",
        ],
        ["threshold fitted on all subjects", f"{shipped:.3f}"],
        ["CV held-out APCER [95% CI]", f"{apcer} ({cv.attacks_accepted}/{cv.attacks})"],
        ["CV held-out BPCER [95% CI]", f"{bpcer} ({cv.bona_fide_rejected}/{cv.bona_fide})"],
        ["CV ACER", f"{(cv.apcer + cv.bpcer) / 2:.4f}"],
    ]
    species = np.asarray(pad.species)
    for kind in sorted(set(pad.species)):
        mask = species == kind
        rows.append(
            [
                f"CV APCER, {kind}",
                f"{cv.attack_errors[mask].mean():.4f} ({int(cv.attack_errors[mask].sum())}/{int(mask.sum())})",
            ]
        )
    if cv.bona_fide_rejected == 0 or cv.attacks_accepted == 0:
        rows.append(
            [
                "zero observed errors",
                "a bootstrap interval of 0 errors is [0, 0]; the 95% upper bound is about 3 / (presentations): "
                f"APCER <= {3 / max(pad.attack.size, 1):.3f}, BPCER <= {3 / max(pad.real.size, 1):.3f} (rule of three)",
            ]
        )
    return rows


def table(pad: PadSet, threshold: float, extra: tuple[float, ...] = ()) -> list[dict[str, str]]:
    rows = [
        ("presentations (bona fide / attack)", f"{pad.real.size} / {pad.attack.size}; {pad.no_face} with no face"),
        ("bona fide P(real) min / median", f"{pad.real.min():.3f} / {np.median(pad.real):.3f}"),
        ("attack P(real) max / median", f"{pad.attack.max():.3f} / {np.median(pad.attack):.3f}"),
    ]
    if pad.real.size > 1 and pad.attack.size > 1:
        eer, at = equal_error_rate(pad.real, pad.attack)
        rows.append(("EER (at threshold)", f"{eer:.4f} ({at:.3f})"))
    for t in (threshold, *(t for t in extra if t != threshold)):
        r = pad_error_rates(pad.real, pad.attack, t, attack_species=pad.species)
        label = f"at {t:g}" + (" (shipped)" if t == threshold else "")
        rows.append(
            (
                f"APCER / BPCER / ACER {label}",
                f"{r.apcer:.4f} ({r.attacks_accepted}/{r.attacks}) / {r.bpcer:.4f} "
                f"({r.bona_fide_rejected}/{r.bona_fide}) / {r.acer:.4f}",
            )
        )
    return [{"metric": k, "value": v} for k, v in rows]
