"""The report's content, once: one Jinja2 template (autoescaped) rendered in two modes.

mode "html": interactive plotly divs, plotly.js inlined once, screen and print CSS — one offline file.
mode "pdf":  the same sections with static SVG charts, paged for A4 or Letter with a table of contents and
             "page X of Y" (WeasyPrint reads the CSS paged-media rules).

Everything here formats the result object; the only arithmetic is presentation (sums for a stacked bar,
shares for a caption). The portability findings and the migration plan appear when the inputs carry a plan
(a warehouse estimate): see `_sections` and templates/report.html.j2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from analysis import __version__
from analysis.model.result import EstimateResult, PriceCitation, ScenarioResult
from analysis.render.inputs import ReportInputs
from analysis.render.text import GIB, estate_line, money
from analysis.units import human_bytes

TEMPLATES = Path(__file__).resolve().parent / "templates"
Mode = Literal["html", "pdf"]
PAPERS = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Section:
    id: str
    title: str


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless it is Markup we built (charts, the CSS)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money, gib=gib, pct=pct, count=count, when=when, be=break_even, days=days, size=human_bytes
    )
    return env


def gib(n: float, digits: int = 1) -> str:
    return f"{n / GIB:,.{digits}f}"


def pct(x: float) -> str:
    return f"{x:.0%}"


def count(x: float) -> str:
    return f"{x:,.0f}"


def when(t: datetime | None) -> str:
    return f"{t:%Y-%m-%d %H:%M} UTC" if t else "—"


def break_even(s: ScenarioResult, baseline: str) -> str:
    if s.name == baseline:
        return "baseline"
    return f"month {s.break_even_month}" if s.break_even_month else "not within horizon"


def days(x: float) -> str:
    """Engineer-days as the plan gives them (two decimals at most, no trailing zeros)."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _sections(result: EstimateResult, has_quality: bool, has_plan: bool = False) -> list[Section]:
    out = [
        Section("summary", "Executive summary"),
        Section("spend", "Current ECR spend and its drivers"),
        Section("comparison", "Scenario comparison"),
    ]
    if getattr(result, "uncertainty", None) is not None:
        out.append(Section("uncertainty", "Uncertainty"))
    if has_plan:
        out.append(Section("portability", "Portability findings"))
        out.append(Section("migration", "Migration plan"))
    out += [
        Section("details", "Scenario details: quantity × unit price = cost"),
        Section("assumptions", "Assumptions"),
        Section("method", "Method and prices"),
    ]
    if has_quality:
        out.append(Section("quality", "Data quality"))
    return out


def _prices(result: EstimateResult) -> list[PriceCitation]:
    """Every catalog entry the estimate used, once, sorted by id and location."""
    seen: dict[tuple[str, str, str], PriceCitation] = {}
    for s in result.scenarios:
        for p in [p for c in s.components for p in c.prices] + [p for o in s.one_time for p in o.prices]:
            seen.setdefault((p.id, p.location, p.approximation), p)  # a stand-in for two regions: listed for each
    return [seen[k] for k in sorted(seen)]


def _groups(s: ScenarioResult) -> list[tuple[str, float, float]]:
    """(group, month 1, horizon total) in the order the components list them."""
    out: dict[str, list[float]] = {}
    for c in s.components:
        acc = out.setdefault(c.group, [0.0, 0.0])
        acc[0] += c.cost_month1
        acc[1] += c.total
    return [(g, v[0], v[1]) for g, v in out.items()]


def context(inputs: ReportInputs, mode: Mode, charts: dict[str, Markup], *, paper: str = "a4") -> dict[str, Any]:
    from analysis.render.charts import group_colour, group_name

    r = inputs.result
    baseline = r.scenario(r.baseline)
    recommended = r.scenario(r.recommendation.scenario)
    cleanup = next((s for s in r.scenarios if s.kind == "ecr-cleanup"), None)
    p = r.profile
    billable = p.ecr_billable_bytes or 1.0
    return {
        "mode": mode,
        "paper": PAPERS[paper],
        "title": inputs.title,
        "r": r,
        "q": inputs.quality,
        "u": getattr(r, "uncertainty", None),
        "charts": charts,
        "sections": _sections(r, inputs.quality is not None, inputs.plan is not None),
        "plan": inputs.plan,
        "registries": inputs.registries,
        "estate": estate_line(r),
        "baseline": baseline,
        "recommended": recommended,
        "is_baseline_recommended": recommended.name == r.baseline,
        "others": [s for s in r.scenarios if s.name != r.baseline],
        "cleanup": cleanup,
        "untagged_share": p.untagged_bytes / billable,
        "never_pulled_share": p.never_pulled_bytes / billable,
        "baseline_groups": _groups(baseline),
        "group_name": group_name,
        "group_colour": group_colour,
        "prices": _prices(r),
        "shared_assumptions": [a for a in r.assumptions if a.scenario == "*"],
        "scenario_assumptions": [a for a in r.assumptions if a.scenario != "*"],
        "titles": {s.name: s.title for s in r.scenarios},
        "catalog_names": [Path(f).name for f in r.catalog_files],
        "version": __version__,
        "css": Markup((TEMPLATES / "report.css").read_text()),
    }


def render_document(
    inputs: ReportInputs,
    mode: Mode,
    charts: dict[str, Markup],
    *,
    paper: str = "a4",
    extra: dict[str, Any] | None = None,
) -> str:
    values = context(inputs, mode, charts, paper=paper) | (extra or {})
    return _env().get_template("report.html.j2").render(**values)
