"""The report's content, once: one Jinja2 template (autoescaped) rendered in two modes.

mode "html": interactive plotly divs, plotly.js inlined once, screen and print CSS — one offline file.
mode "pdf":  the same sections with static SVG charts, paged for A4 or Letter with a table of contents and
             "page X of Y" (WeasyPrint reads the CSS paged-media rules).

Everything here formats the result object; the only arithmetic is presentation (sums for a stacked bar,
shares for a caption). The portability findings and the migration plan appear when the inputs carry a plan
(a warehouse estimate): see `_sections` and templates/report.html.j2.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from analysis import __version__
from analysis.model.result import AssumptionRow, EstimateResult, PriceCitation, ScenarioResult, ScenarioUncertainty
from analysis.render.catalog_facts import CatalogFacts, catalog_facts
from analysis.render.format import (
    break_even,
    break_even_spread,
    count,
    counted,
    days,
    gib,
    headline,
    money,
    pct,
    when,
)
from analysis.render.inputs import DataQuality, PlanView, RegistryStorage, ReportInputs, WaveView
from analysis.render.text import estate_line
from analysis.render.wording import (
    GRADES,
    SHORT_GRADES,
    about,
    approximation_short,
    billed_quantity,
    code_spans,
    human_label,
    number,
    quantity_text,
    short_url,
    value_text,
)
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
        money=money,
        gib=gib,
        pct=pct,
        count=count,
        when=when,
        be=break_even,
        be_spread=break_even_spread,  # `s | be_spread(u.draws)`: the CLI's words, no percentiles from a few draws
        days=days,
        size=human_bytes,
        about=about,
        code=code_spans,
        label=human_label,
        quantity=quantity_text,
        short_approximation=approximation_short,
        short_url=short_url,
        counted=counted,
        cited=cited,
        breakable=breakable,
    )
    return env


def breakable(identifier: str) -> Markup:
    """An identifier that may wrap after "_", "." or "-" in a narrow column, never inside a word."""
    escaped = str(Markup.escape(identifier))
    return Markup(re.sub(r"([_.\-])", r"\1<wbr>", escaped))


def cited(prices: list[PriceCitation]) -> list[tuple[PriceCitation, list[str]]]:
    """A component's prices with one line per distinct price: "0.1 USD/GB-month (ecr.storage.standard @
    eu-central-1, eu-west-1, us-east-1)" rather than the same line once per region."""
    out: dict[tuple[str, str, str, str, str], tuple[PriceCitation, list[str]]] = {}
    for p in prices:
        _, where = out.setdefault((p.id, p.price_text, p.currency, p.unit, p.approximation), (p, []))
        if p.location not in where:
            where.append(p.location)
    return list(out.values())


def _sections(result: EstimateResult, has_quality: bool, has_plan: bool = False) -> list[Section]:
    out = [
        Section("summary", "Executive summary"),
        Section("spend", "Current ECR spend and its drivers"),
        Section("comparison", "Scenario comparison"),
    ]
    if result.uncertainty is not None:
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


# ---- what the report reads from its inputs ---------------------------------------------------------------
# One accessor per field, so that the inputs object can change shape (one result object, #14) in one place.


def _estimate(inputs: ReportInputs) -> EstimateResult:
    return inputs.result


def _plan(inputs: ReportInputs) -> PlanView | None:
    return inputs.plan


# A plan of 20,000 repositories has ~400 waves: 20 pages a reader skims and WeasyPrint lays out in ~5 s. The
# report shows the first waves one by one (the pilot and the order of the start) and the rest as one row per run of
# the same risk class; every wave is in `regcost plan`'s plan.json.
SHOWN_WAVES = 12


@dataclass(frozen=True)
class WaveRow:
    label: str  # "7", or "13–399" for a run of waves
    risk: str
    repositories: int
    names: str  # the first names and how many more, or how many waves the row sums
    references: int
    bytes_copied: float
    egress_cost: float
    engineering_days: float


def wave_rows(waves: list[WaveView], shown: int = SHOWN_WAVES) -> list[WaveRow]:
    """The waves table's rows: the first `shown` waves, then each later run of one risk class summed."""
    rows = [
        WaveRow(
            str(w.wave),
            w.risk,
            w.repositories,
            ", ".join(w.names[:4]) + (f" and {count(len(w.names) - 4)} more" if len(w.names) > 4 else ""),
            w.references,
            w.bytes_copied,
            w.egress_cost,
            w.engineering_days,
        )
        for w in waves[:shown]
    ]
    for _risk, group in itertools.groupby(waves[shown:], key=lambda w: w.risk):
        run = list(group)
        rows.append(
            WaveRow(
                f"{run[0].wave}–{run[-1].wave}" if len(run) > 1 else str(run[0].wave),
                run[0].risk,
                sum(w.repositories for w in run),
                f"in {counted(len(run), 'more wave')} (each listed by regcost plan)",
                sum(w.references for w in run),
                sum(w.bytes_copied for w in run),
                sum(w.egress_cost for w in run),
                sum(w.engineering_days for w in run),
            )
        )
    return rows


def _quality(inputs: ReportInputs) -> DataQuality | None:
    return inputs.quality


def _registries(inputs: ReportInputs) -> list[RegistryStorage]:
    return list(inputs.registries)


def _title(inputs: ReportInputs) -> str:
    return inputs.title


def _field(obj: Any, name: str) -> Any:
    """A field of a plan summary, whether it is a dict (PlanView.summary today) or a typed object."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


ENGINEERING = "Migration engineering"  # the one-time line that carries the effort (analysis/model/migration.py)


@dataclass(frozen=True)
class EffortView:
    """The one migration effort the report shows, and where it comes from."""

    days: float
    low: float | None
    high: float | None
    source: str  # words: "the migration plan (regcost plan)" | "the scenario's assumptions"
    from_plan: bool
    differing: list[tuple[str, float]]  # (scenario title, its engineer-days) where a scenario costs another effort


def _scenario_days(r: EstimateResult) -> dict[str, float]:
    """Engineer-days each self-hosted scenario costs (its one-time "Migration engineering" quantity)."""
    out = {}
    for s in r.scenarios:
        for o in s.one_time:
            if o.component == ENGINEERING and o.quantity is not None:
                out[s.name] = o.quantity
    return out


def _effort(inputs: ReportInputs) -> EffortView | None:
    r = _estimate(inputs)
    per_scenario = _scenario_days(r)
    titles = {s.name: s.title for s in r.scenarios}
    given = getattr(inputs, "effort", None)  # the result's one effort, once it carries one
    plan = _plan(inputs)
    if given is not None:
        days_, low, high = given.days, given.low, given.high
        from_plan = given.source == "migration plan"
    elif plan is not None:
        days_ = float(_field(plan.summary, "engineer_days"))
        spread = _field(plan.summary, "migration_days")
        low, high = float(_field(spread, "low")), float(_field(spread, "high"))
        from_plan = True
    elif per_scenario:
        name = r.recommendation.scenario if r.recommendation.scenario in per_scenario else next(iter(per_scenario))
        days_, low, high, from_plan = per_scenario[name], None, None, False
    else:
        return None
    differing = [(titles[n], d) for n, d in per_scenario.items() if abs(d - days_) > 0.005]
    source = "the migration plan (regcost plan)" if from_plan else "the scenario's assumptions"
    return EffortView(days_, low, high, source, from_plan, differing)


# ---- the first page: how sure are we ------------------------------------------------------------------------


@dataclass(frozen=True)
class HowSure:
    title: str  # the scenario the decision is about: the recommended one, or the best alternative to the baseline
    baseline: str
    moves: bool  # True: the recommendation is to move to `title`; False: to stay on the baseline
    savings: float  # base case
    p_beats: float | None
    spread: dict[str, float] | None  # P10/P50/P90 of the savings, per draw
    draws: int
    ranged: int
    flip: str | None  # a sentence: the assumption that flips the decision, or that none does


def _target(r: EstimateResult) -> ScenarioResult | None:
    if r.recommendation.scenario != r.baseline:
        return r.scenario(r.recommendation.scenario)
    others = [s for s in r.scenarios if s.name != r.baseline]
    return max(others, key=lambda s: s.savings_vs_baseline, default=None)


def _flip(r: EstimateResult, target: ScenarioResult, units: dict[str, str]) -> str | None:
    u = r.uncertainty
    if u is None or u.tornado_scenario != target.name or not u.tornado:
        return None
    base, ccy = target.savings_vs_baseline, r.currency
    baseline = r.scenario(r.baseline).title
    for b in u.tornado:  # largest swing first
        for end, value, saving in (("low", b.low, b.savings_at_low), ("high", b.high, b.savings_at_high)):
            if (saving > 0) == (base > 0):
                continue
            at = f"{number(value)} {units.get(b.assumption, '')}".strip()
            if base > 0:
                outcome = f"{target.title} would cost {about(-saving, ccy)} more than {baseline} instead of saving"
                outcome += f" {about(base, ccy)}"
            else:
                outcome = f"{target.title} would save {about(saving, ccy)} against {baseline}, and moving would pay"
            return f"{human_label(b.assumption)} at the {end} end of its range ({at}): {outcome}."
    top = u.tornado[0]
    lo, hi = sorted((top.savings_at_low, top.savings_at_high))
    return (
        f"No single assumption flips it within its range. The one that moves it most, "
        f"{human_label(top.assumption)}, moves the savings between {about(lo, ccy)} and {about(hi, ccy)}."
    )


def _how_sure(r: EstimateResult) -> HowSure | None:
    target = _target(r)
    u = r.uncertainty
    if target is None or u is None:
        return None
    su: ScenarioUncertainty | None = next((s for s in u.scenarios if s.name == target.name), None)
    units = {a.name: a.unit for a in r.assumptions}
    return HowSure(
        title=target.title,
        baseline=r.scenario(r.baseline).title,
        moves=r.recommendation.scenario == target.name,
        savings=target.savings_vs_baseline,
        p_beats=su.p_beats_baseline if su else None,
        spread=getattr(su, "savings", None) if su else None,
        draws=u.draws,
        ranged=len(u.ranged_assumptions),
        flip=_flip(r, target, units),
    )


# ---- assumptions and prices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssumptionView:
    applies_to: str
    label: str
    identifier: str
    value: str
    range: str
    unit: str
    source: Markup
    description: Markup


def _assumption_value(a: AssumptionRow, facts: CatalogFacts, effort: EffortView | None) -> tuple[str, str]:
    """(value, range) as a reader reads them; "catalog" becomes the catalog's number."""
    fmt = days if a.unit == "engineer-days" else number  # the effort reads as it does everywhere else
    rng = f"{fmt(a.low)} – {fmt(a.high)}" if a.low is not None and a.high is not None else ""
    if a.base != "catalog":
        is_days = a.unit == "engineer-days" and a.base.replace(".", "", 1).isdigit()
        return (days(float(a.base)) if is_days else value_text(a.base)), rng
    found = facts.assumption_value(a.name)
    if found is not None:
        base, low, high = found
        return number(base), (f"{number(low)} – {number(high)}" if low is not None and high is not None else rng)
    if a.name == "migration_days" and effort is not None and effort.from_plan:
        return f"{days(effort.days)} (plan)", rng
    if a.name == "labour_rate":
        return "per site", rng  # a price: the scenario's labour site picks it (see the prices)
    return "from the catalog", rng


def _assumptions(r: EstimateResult, facts: CatalogFacts, effort: EffortView | None) -> list[AssumptionView]:
    titles = {s.name: s.title for s in r.scenarios}
    rows = [a for a in r.assumptions if a.scenario == "*"] + [a for a in r.assumptions if a.scenario != "*"]
    out = []
    for a in rows:
        value, rng = _assumption_value(a, facts, effort)
        out.append(
            AssumptionView(
                applies_to="all" if a.scenario == "*" else titles.get(a.scenario, a.scenario),
                label=human_label(a.name),
                identifier=a.name,
                value=value,
                range=rng,
                # "catalog candidate" reads as a unit of measure; it is a pick among the catalog's options
                unit="choice (catalog)" if a.unit == "catalog candidate" else a.unit,
                source=code_spans(a.source),
                description=code_spans(a.description),
            )
        )
    return out


@dataclass(frozen=True)
class PriceView:
    p: PriceCitation
    grade: str  # a key of wording.GRADES
    grade_words: str
    grade_short: str


def _prices(result: EstimateResult, facts: CatalogFacts) -> list[PriceView]:
    """Every catalog entry the estimate used, once, its source graded; the most reliable sources first."""
    seen: dict[tuple[str, str, str], PriceCitation] = {}
    for s in result.scenarios:
        for p in [p for c in s.components for p in c.prices] + [p for o in s.one_time for p in o.prices]:
            seen.setdefault((p.id, p.location, p.approximation), p)  # a stand-in for two regions: listed for each
    views = []
    for key in sorted(seen):
        g = facts.grade(seen[key])
        views.append(PriceView(seen[key], g, GRADES.get(g, GRADES["unstated"])[1], SHORT_GRADES.get(g, g)))
    return sorted(views, key=lambda v: GRADES.get(v.grade, GRADES["unstated"])[0])


def _grade_counts(prices: list[PriceView]) -> list[tuple[int, str]]:
    counts: dict[str, int] = {}
    for v in prices:
        counts[v.grade_words] = counts.get(v.grade_words, 0) + 1
    return [(n, words) for words, n in counts.items()]


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

    r = _estimate(inputs)
    baseline = r.scenario(r.baseline)
    recommended = r.scenario(r.recommendation.scenario)
    cleanup = next((s for s in r.scenarios if s.kind == "ecr-cleanup"), None)
    p = r.profile
    billable = p.ecr_billable_bytes or 1.0
    facts = catalog_facts(r.catalog_files)
    effort = _effort(inputs)
    prices = _prices(r, facts)
    plan = _plan(inputs)
    quality = _quality(inputs)
    return {
        "mode": mode,
        "paper": PAPERS[paper],
        "title": _title(inputs),
        "r": r,
        "q": quality,
        "u": r.uncertainty,
        "charts": charts,
        "sections": _sections(r, quality is not None, plan is not None),
        "plan": plan,
        "wave_rows": wave_rows(plan.waves) if plan is not None else [],
        "registries": _registries(inputs),
        "estate": estate_line(r),
        "baseline": baseline,
        "recommended": recommended,
        "is_baseline_recommended": recommended.name == r.baseline,
        "headline": headline(r),
        "sure": _how_sure(r),
        "effort": effort,
        "others": [s for s in r.scenarios if s.name != r.baseline],
        "cleanup": cleanup,
        "untagged_share": p.untagged_bytes / billable,
        "never_pulled_share": p.never_pulled_bytes / billable,
        "baseline_groups": _groups(baseline),
        "group_name": group_name,
        "group_colour": group_colour,
        "billed": lambda line: billed_quantity(line, r.currency),
        "prices": prices,
        "grade_counts": _grade_counts(prices),
        "assumptions": _assumptions(r, facts, effort),
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
