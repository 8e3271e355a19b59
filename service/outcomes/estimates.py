"""What each method returns: estimates per arm and per comparison, before they become result rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.outcomes.inference import Inference


@dataclass(frozen=True)
class ArmResult:
    arm: str
    estimate_type: str  # service.results.ESTIMATE_TYPES
    n: int
    estimate: float | None
    std_error: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n_events: int | None = None
    n_censored: int | None = None
    sd: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class PairResult:
    arm: str  # "" for a trend over all arms
    control: str
    kind: str  # service.results.COMPARISON_KINDS
    inference: Inference | None  # None: not estimable (the note says why)
    n_arm: int
    n_control: int
    note: str = ""


@dataclass
class MethodResult:
    method: str  # the method in words, for the tables' method column and footnotes
    context: str  # the ARD context
    arms: list[ArmResult] = field(default_factory=list)
    pairs: list[PairResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
