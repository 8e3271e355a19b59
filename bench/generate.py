"""Generate a synthetic trial of any size, in bundle or SDTM (CSV) form, for benchmarks.

    python bench/generate.py --participants 10000 --aes 20 --form bundle --out bench/data/t10k

SYNTHETIC: random values from a fixed seed; the same arguments write the same files.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

SOCS = {
    "Nervous system disorders": ["Headache", "Dizziness", "Somnolence", "Paraesthesia"],
    "Gastrointestinal disorders": ["Nausea", "Diarrhoea", "Vomiting", "Abdominal pain", "Constipation"],
    "Infections and infestations": ["Nasopharyngitis", "Upper respiratory tract infection", "Urinary tract infection"],
    "General disorders and administration site conditions": ["Fatigue", "Pyrexia", "Oedema peripheral"],
    "Skin and subcutaneous tissue disorders": ["Rash", "Pruritus"],
    "Musculoskeletal and connective tissue disorders": ["Back pain", "Arthralgia", "Myalgia"],
    "Metabolism and nutrition disorders": ["Hypoglycaemia", "Decreased appetite"],
}
TERMS = [(soc, pt) for soc, pts in SOCS.items() for pt in pts]
ARMS = [("ACT", "Active"), ("PBO", "Placebo")]
START = date(2020, 1, 1)


_IMPORT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from service.db import open_database
from service.importing import load_source
from service.snapshots import store_snapshot
store_snapshot(open_database(sys.argv[2]), load_source(Path(sys.argv[1]), "bench"), now=datetime.now(UTC))
"""


def import_in_fresh_process(source: Path, url: str) -> None:
    """Import `source` as trial "bench" into the database at `url`, untimed, in a process of its own (so the
    measured process starts without the import's heap)."""
    subprocess.run([sys.executable, "-c", _IMPORT, str(source), url], check=True, cwd=Path(__file__).parent.parent)


def generate(out: Path, participants: int, aes_per_participant: int, form: str, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    people = []
    for n in range(participants):
        screen_failure = rng.random() < 0.05
        first = START + timedelta(days=rng.randint(0, 700))
        people.append(
            (f"P{n:06d}", None if screen_failure else ARMS[n % 2], first, rng.randint(18, 80), rng.choice("MF"))
        )
    events = []
    randomized = sum(arm is not None for _, arm, _, _, _ in people) or 1
    # Screen failures have no AEs: scale so that the total is about participants × aes_per_participant.
    mean = aes_per_participant * participants / randomized
    for subject, arm, first, _, _ in people:
        if arm is None:
            continue
        for _ in range(max(0, round(rng.gauss(mean, 3)))):
            soc, pt = rng.choice(TERMS)
            start = first + timedelta(days=rng.randint(-10, 360))
            events.append((subject, soc, pt, start, rng.randint(1, 4), rng.random() < 0.03))
    (_write_bundle if form == "bundle" else _write_sdtm)(out, people, events)
    return out


def _write_bundle(out: Path, people: list, events: list) -> None:  # type: ignore[type-arg]
    (out / "trial.toml").write_text(
        '[trial]\ntitle = "Synthetic benchmark trial"\n\n'
        '[[arms]]\ncode = "ACT"\nlabel = "Active"\ntype = "Experimental"\n\n'
        '[[arms]]\ncode = "PBO"\nlabel = "Placebo"\ntype = "Placebo Comparator"\ncontrol = true\n'
    )
    with (out / "participants.csv").open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["subject_id", "site", "age", "sex", "arm", "randomization_date", "first_dose_date", "disposition"])
        for subject, arm, first, age, sex in people:
            randomized = arm is not None
            w.writerow(
                [
                    subject,
                    f"S{int(subject[1:]) % 25:02d}",
                    age,
                    sex,
                    arm[0] if arm else "",
                    (first - timedelta(days=3)).isoformat() if randomized else "",
                    first.isoformat() if randomized else "",
                    "completed" if randomized else "screen failure",
                ]
            )
    with (out / "adverse_events.csv").open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "ae_id",
                "subject_id",
                "verbatim_term",
                "pt",
                "soc",
                "start_date",
                "end_date",
                "severity",
                "ctcae_grade",
                "serious",
                "relationship",
                "outcome",
            ]
        )
        for index, (subject, soc, pt, start, grade, serious) in enumerate(events, start=1):
            w.writerow(
                [
                    index,
                    subject,
                    pt.lower(),
                    pt,
                    soc,
                    start.isoformat(),
                    (start + timedelta(days=4)).isoformat(),
                    ("MILD", "MODERATE", "SEVERE", "SEVERE")[grade - 1],
                    grade,
                    "Y" if serious else "N",
                    "NOT RELATED",
                    "RECOVERED/RESOLVED",
                ]
            )


def _write_sdtm(out: Path, people: list, events: list) -> None:  # type: ignore[type-arg]
    with (out / "dm.csv").open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "STUDYID",
                "USUBJID",
                "SITEID",
                "AGE",
                "AGEU",
                "SEX",
                "ARMCD",
                "ARM",
                "ACTARMCD",
                "ACTARM",
                "RFSTDTC",
                "RFXSTDTC",
            ]
        )
        for subject, arm, first, age, sex in people:
            code, label = arm or ("SCRNFAIL", "Screen Failure")
            w.writerow(
                [
                    "BENCH",
                    subject,
                    "01",
                    age,
                    "YEARS",
                    sex,
                    code,
                    label,
                    code,
                    label,
                    first.isoformat() if arm else "",
                    first.isoformat() if arm else "",
                ]
            )
    with (out / "ae.csv").open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            ["USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESTDTC", "AEENDTC", "AESEV", "AETOXGR", "AESER"]
        )
        for index, (subject, soc, pt, start, grade, serious) in enumerate(events, start=1):
            w.writerow(
                [
                    subject,
                    index,
                    pt.lower(),
                    pt,
                    soc,
                    start.isoformat(),
                    "",
                    ("MILD", "MODERATE", "SEVERE", "SEVERE")[grade - 1],
                    grade,
                    "Y" if serious else "N",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--aes", type=int, default=20, help="mean AEs per participant (screen failures have none)")
    parser.add_argument("--form", choices=["bundle", "sdtm"], default="bundle")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.out, args.participants, args.aes, args.form, args.seed)


if __name__ == "__main__":
    main()
