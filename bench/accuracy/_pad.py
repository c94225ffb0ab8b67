"""Anti-spoofing sets (NUAA print attacks, Silent-Face samples): P(real) per image, ISO 30107-3 rates."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveness import LivenessEngine
from liveness.evaluation import equal_error_rate, pad_error_rates, stratified_sample
from liveness.images import ImageLimits, decode_image_bytes


@dataclass
class PadSet:
    name: str
    real: np.ndarray
    attack: np.ndarray
    species: list[str]
    no_face: int


def score_set(engine: LivenessEngine, name: str, folder: Path, quick: int | None) -> PadSet:
    with (folder / "labels.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    if quick:
        rows = [rows[i] for i in stratified_sample([r["label"] for r in rows], quick // 2)]
    limits = ImageLimits()
    real, attack, species, no_face = [], [], [], 0
    for row in rows:
        image = decode_image_bytes((folder / row["file"]).read_bytes(), limits)
        face = engine.images.detect(image).largest
        # No face on an attack is a refused attack (score 0); on a real face a refused person.
        score = 0.0 if face is None else engine.images.check_spoof(image, face=face).score
        no_face += face is None
        if row["label"] == "real":
            real.append(score)
        else:
            attack.append(score)
            species.append(row.get("attack_type") or "spoof")
    return PadSet(name, np.asarray(real), np.asarray(attack), species, no_face)


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
