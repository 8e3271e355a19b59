"""Reading a WHO ICTRP record back (2009 or 2017 form, with or without the inline DTD IRCT serves), parsed
safely: no entities, no network."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from registry.view import RegistryArm, RegistryOutcome, RegistryView, read_date
from registry.xmlsafe import parse_untrusted, parse_untrusted_bytes
from service.errors import DataError

RESULTS_ITEMS = (
    "results_actual_enrolment", "results_date_completed", "results_url_link", "results_summary",
    "results_date_posted", "results_date_first_publication", "results_baseline_char", "results_participant_flow",
    "results_adverse_events", "results_outcome_measures", "results_url_protocol", "results_IPD_plan",
    "results_IPD_description",
)  # fmt: skip


@dataclass(frozen=True)
class IctrpTrial:
    main: dict[str, str]
    form: str  # "2017" when any results item or ethics review is present, else "2009"
    contacts: list[dict[str, str]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    criteria: dict[str, str] = field(default_factory=dict)
    primary_outcomes: list[str] = field(default_factory=list)
    secondary_outcomes: list[str] = field(default_factory=list)
    secondary_ids: list[tuple[str, str]] = field(default_factory=list)
    ethics_reviews: list[dict[str, str]] = field(default_factory=list)

    @property
    def trial_id(self) -> str:
        return self.main.get("trial_id", "")


def read_ictrp(path: Path) -> list[IctrpTrial]:
    return _trials(parse_untrusted(path).getroot(), str(path))


def read_ictrp_bytes(content: bytes, source: str) -> list[IctrpTrial]:
    return _trials(parse_untrusted_bytes(content, source).getroot(), source)


def _trials(root: etree._Element, source: str) -> list[IctrpTrial]:
    trials = [root] if root.tag == "trial" else root.findall("trial") if root.tag == "trials" else []
    if not trials:
        raise DataError(f"the root element is <{root.tag}>, not <trials> or <trial>", file=source,
                        hint="Give a WHO ICTRP data-provider XML record (e.g. IRCT's /trial/ID/xml).")  # fmt: skip
    return [_trial(element) for element in trials]


def _trial(element: etree._Element) -> IctrpTrial:
    main_element = element.find("main")
    main = {child.tag: (child.text or "").strip() for child in main_element} if main_element is not None else {}
    reviews = [{c.tag: (c.text or "").strip() for c in r} for r in element.iterfind("ethics_reviews/ethics_review")]
    form = "2017" if any(key in main for key in RESULTS_ITEMS) or element.find("ethics_reviews") is not None else "2009"
    return IctrpTrial(
        main=main,
        form=form,
        contacts=[{c.tag: (c.text or "").strip() for c in contact} for contact in element.iterfind("contacts/contact")],
        countries=_texts(element, "countries/country2"),
        criteria={c.tag: (c.text or "").strip() for c in element.iterfind("criteria/*")},
        primary_outcomes=_texts(element, "primary_outcome/prim_outcome"),
        secondary_outcomes=_texts(element, "secondary_outcome/sec_outcome"),
        secondary_ids=[
            (s.findtext("sec_id") or "", s.findtext("issuing_authority") or "")
            for s in element.iterfind("secondary_ids/secondary_id")
        ],
        ethics_reviews=reviews,
    )


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in element.iterfind(path) if (e.text or "").strip()]


def ictrp_view(trial: IctrpTrial) -> RegistryView:
    """One WHO ICTRP record as the registry view: target size as the anticipated enrolment, the results' actual
    enrolment when the 2017 form carries it; the interventions and conditions are free text there, so the
    arms are the "Intervention n: …" lines of i_freetext."""
    main = trial.main
    actual = main.get("results_actual_enrolment", "")
    enrolment = actual or main.get("target_size", "")
    return RegistryView(
        registry="irct",
        source_format=f"WHO ICTRP XML ({trial.form} form)",
        primary_id=trial.trial_id,
        ids=tuple(i for i in [main.get("utrn", ""), *(sec for sec, _ in trial.secondary_ids)] if i),
        brief_title=" ".join(main.get("public_title", "").split()),
        official_title=" ".join(main.get("scientific_title", "").split()),
        acronym=main.get("acronym", ""),
        status=main.get("recruitment_status", ""),
        phase=main.get("phase", ""),
        start=read_date(main.get("date_enrolment"), main.get("type_enrolment", "")),
        completion=read_date(main.get("results_date_completed")),
        enrollment=int(enrolment) if enrolment.strip().isdigit() else None,
        enrollment_type="Actual" if actual else (main.get("type_enrolment", "") or "").capitalize(),
        arms=tuple(RegistryArm(line) for line in _numbered(main.get("i_freetext", ""), "Intervention")),
        outcomes=tuple([*(RegistryOutcome(" ".join(o.split()), "", "primary") for o in trial.primary_outcomes),
                        *(RegistryOutcome(" ".join(o.split()), "", "secondary") for o in trial.secondary_outcomes)]),
        minimum_age=trial.criteria.get("agemin", ""),
        maximum_age=trial.criteria.get("agemax", ""),
        sex=trial.criteria.get("gender", ""),
    )  # fmt: skip


def _numbered(text: str, word: str) -> list[str]:
    """The "Intervention 1: …" items of a free-text field, each without its number."""
    flat = " ".join(text.split())
    parts = re.split(rf"\b{word} \d+\s*:\s*", flat)
    return [part.strip().rstrip(".").strip() for part in parts[1:] if part.strip()]
