"""The result as a terminal table, JSON, CSV or Markdown (the text renderers of analysis/render/__init__.py).

Every figure goes through the formatters in analysis/render/format.py; money is rounded there and only there.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from analysis.model.result import EstimateResult, PriceCitation, ScenarioResult
from analysis.render.format import break_even as _break_even
from analysis.render.format import break_even_spread, count, counted, days, gib, money, pct
from analysis.render.inputs import Result
from analysis.render.wording import quantity_text

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["TEXT_FORMATS", "effort_line", "estate_line", "money", "pct", "render_text"]

TEXT_FORMATS = ("table", "json", "csv", "markdown")

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): prefix a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_text(result: Result, fmt: str, *, explain: bool = False, width: int = 160) -> str:
    if fmt == "json":
        return _json(result)
    if fmt == "csv":
        return _csv(result)
    if fmt == "markdown":
        return _markdown(result, explain)
    if fmt == "table":
        return _table(result, explain, width)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(TEXT_FORMATS)}")


def effort_line(result: Result) -> str | None:
    """The migration effort in one sentence (the same figure the scenarios priced), or None without one."""
    e = result.effort
    if e is None:
        return None
    title = result.estimate.scenario(e.scenario).title
    spread = f" ({days(e.low)}–{days(e.high)})" if e.low is not None and e.high is not None else ""
    scanned = result.plan.scanned if result.plan is not None else []
    plan = (
        f"from the migration plan (regcost plan; references scanned in {', '.join(scanned)})"
        if scanned
        else "from the migration plan (regcost plan; no reference scan: --scan PATH adds the references' effort)"
    )
    origin = {
        "migration plan": plan,
        "scenario file": "set by the scenario file",
        "scenario assumptions": "from the scenario's assumptions (base + per 100 repositories)",
    }.get(e.source, e.source)
    return f"Migration effort: {days(e.days)} engineer-days{spread} for {title}, {origin}"


def estate_line(result: EstimateResult) -> str:
    p = result.profile
    if p.source == "usage file":
        return (
            f"Usage file: {', '.join(p.regions)}; ECR storage {gib(p.ecr_billable_bytes, 0)} GiB, unique "
            f"{gib(p.global_unique_bytes, 0)} GiB, growth {gib(p.growth_bytes_per_month)} GiB/month"
        )
    return (
        f"Estate: {p.repositories:,} repositories, {p.images:,} images in {counted(p.accounts, 'account')} × "
        f"{counted(len(p.regions), 'region')}. Storage: sum of image sizes {gib(p.naive_bytes, 0)} GiB · "
        f"ECR-billable {gib(p.ecr_billable_bytes, 0)} GiB · globally unique {gib(p.global_unique_bytes, 0)} GiB; "
        f"growth {gib(p.growth_bytes_per_month)} GiB/month; {count(p.pulls_per_month)} pulls/month"
    )


def _summary_rows(result: EstimateResult) -> list[list[str]]:
    rows = []
    for s in result.scenarios:
        one_time = sum(o.amount for o in s.one_time)
        rows.append(
            [
                s.title + (" (baseline)" if s.name == result.baseline else ""),
                money(s.monthly_total[0]),
                money(s.monthly_total[-1]),
                money(one_time),
                money(s.horizon_tco),
                money(s.savings_vs_baseline) if s.name != result.baseline else "—",
                _break_even(s, result.baseline),
                money(s.npv),
            ]
        )
    return rows


def _headers(result: EstimateResult) -> list[str]:
    h = result.horizon_months
    return ["scenario", "month 1", f"month {h}", "one-time", f"{h}-month TCO", "saves vs baseline", "break-even", "NPV"]


def _table(full: Result, explain: bool, width: int) -> str:
    # rich (~0.1 s to import) only when a table is drawn: the dashboard's first page and `--format json` do not.
    from rich.console import Console
    from rich.table import Table

    result = full.estimate
    console = Console(width=width, record=True, file=io.StringIO(), force_terminal=False)
    console.print(
        f"[bold]regcost estimate[/] — {result.horizon_months} months, {result.currency}, discount rate "
        f"{result.discount_rate_annual:.0%}/year"
        + (f", warehouse {result.warehouse}" if result.warehouse else "")
        + (f", as of {_as_of(result)}" if result.warehouse else "")
    )
    console.print(estate_line(result), highlight=False)
    table = Table(title_justify="left")
    for i, col in enumerate(_headers(result)):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in _summary_rows(result):
        table.add_row(*row)
    console.print(table)
    console.print(f"[bold]Recommendation:[/] {result.recommendation.headline}", highlight=False)
    console.print(f"  {result.recommendation.reason}", highlight=False)
    if (effort := effort_line(full)) is not None:
        console.print(effort, highlight=False)
    if result.uncertainty is not None:
        console.print(_uncertainty_table(result))
        console.print(_tornado_table(result))
    if explain:
        for s in result.scenarios:
            console.print(_explain_table(s, result))
    else:
        console.print("Per-component costs with quantities, unit prices and sources: --explain", style="dim")
    for note in result.notes:
        console.print(f"note: {note}", style="yellow", highlight=False)
    return console.export_text()


def _uncertainty_rows(result: EstimateResult) -> list[list[str]]:
    u = result.uncertainty
    assert u is not None  # rendered only when the estimate ran the Monte Carlo
    titles = {s.name: s.title for s in result.scenarios}
    rows = []
    for s in u.scenarios:
        beats = "—" if s.p_beats_baseline is None else pct(s.p_beats_baseline)
        payback = break_even_spread(s, u.draws)
        t = s.horizon_tco
        rows.append([titles.get(s.name, s.name), money(t["p10"]), money(t["p50"]), money(t["p90"]), beats, payback])
    return rows


def _uncertainty_headers(result: EstimateResult) -> list[str]:
    h = result.horizon_months
    return ["scenario", f"P10 {h}-month TCO", "P50", "P90", "P(beats baseline)", "break-even month"]


def _uncertainty_table(result: EstimateResult) -> Table:
    from rich.table import Table

    u = result.uncertainty
    assert u is not None  # rendered only when the estimate ran the Monte Carlo
    table = Table(
        title=f"Uncertainty: {u.draws:,} draws over {len(u.ranged_assumptions)} ranged assumptions (seed {u.seed})",
        title_justify="left",
    )
    for i, col in enumerate(_uncertainty_headers(result)):
        table.add_column(col, justify="left" if i in (0, 5) else "right")
    for row in _uncertainty_rows(result):
        table.add_row(*row)
    return table


def _tornado_rows(result: EstimateResult, top: int = 8) -> list[list[str]]:
    u = result.uncertainty
    assert u is not None  # rendered only when the estimate ran the Monte Carlo
    return [
        [b.assumption, f"{b.low:g} → {b.high:g}", money(b.savings_at_low), money(b.savings_at_high), money(b.swing)]
        for b in [b for b in u.tornado if b.swing > 0.005][:top]
    ]


def _tornado_headers() -> list[str]:
    return ["assumption", "low → high", "savings at low", "savings at high", "swing"]


def _tornado_table(result: EstimateResult) -> Table:
    from rich.table import Table

    u = result.uncertainty
    assert u is not None  # rendered only when the estimate ran the Monte Carlo
    title = next((s.title for s in result.scenarios if s.name == u.tornado_scenario), u.tornado_scenario)
    table = Table(
        title=f"What moves the answer most: {title} savings vs the baseline, one assumption at a time",
        title_justify="left",
    )
    for i, col in enumerate(_tornado_headers()):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in _tornado_rows(result):
        table.add_row(*row)
    return table


def _explain_rows(s: ScenarioResult) -> list[list[str]]:
    rows = []
    for c in s.components:
        price = "; ".join(
            f"{p.price_text} {p.currency}/{p.unit} ({p.id} @ {p.location}, {p.as_of}){_approx(p)}" for p in c.prices
        )
        qty = quantity_text(c.quantity_month1, c.unit) if c.quantity_month1 is not None else ""
        rows.append([c.component, qty, price, money(c.cost_month1), money(c.total), c.note])
    for o in s.one_time:
        price = "; ".join(f"{p.price_text} {p.currency}/{p.unit} ({p.id} @ {p.location}){_approx(p)}" for p in o.prices)
        qty = quantity_text(o.quantity, o.unit) if o.quantity is not None else ""
        rows.append([f"one-time: {o.component}", qty, price, money(o.amount), money(o.amount), o.note])
    return rows


def _approx(p: PriceCitation) -> str:
    """Say it where the price is shown: this region had no price of its own (no brackets: rich reads them as markup)."""
    return f" — APPROXIMATED: {p.approximation}" if p.approximation else ""


def _explain_table(s: ScenarioResult, result: EstimateResult) -> Table:
    from rich.table import Table

    table = Table(title=f"{s.title}: quantity × unit price = cost ({result.currency})", title_justify="left")
    for i, col in enumerate(
        [
            "component",
            "quantity (month 1)",
            "unit price (catalog entry)",
            "month 1",
            f"{result.horizon_months} months",
            "what",
        ]
    ):
        table.add_column(col, justify="right" if i in (1, 3, 4) else "left", overflow="fold")
    for row in _explain_rows(s):
        table.add_row(*row)
    return table


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(full: Result) -> str:
    """Long format, one row per scenario × component × month (pivots cleanly in a spreadsheet), then the
    one-time costs (month 0, with their quantity: the migration's engineer-days) and per scenario the summary
    figures (group "summary", no month): horizon TCO, savings, NPV and, with draws, P10/P50/P90 of the TCO."""
    result = full.estimate
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scenario", "title", "component", "group", "month", "cost", "currency", "quantity", "unit"])
    cur = result.currency

    def row(
        s: ScenarioResult,
        component: str,
        group: str,
        month: object,
        cost: float,
        qty: float | None = None,
        unit: str | None = None,
    ) -> None:
        quantity = (round(qty, 2), unit or "") if qty is not None else ("", "")
        writer.writerow([_cell(v) for v in (s.name, s.title, component, group, month, round(cost, 2), cur, *quantity)])

    for s in result.scenarios:
        for c in s.components:
            for month, cost in enumerate(c.monthly, start=1):
                row(s, c.component, c.group, month, cost)
        for o in s.one_time:
            row(s, o.component, "one-time", 0, o.amount, o.quantity, o.unit)
    spread = {u.name: u.horizon_tco for u in result.uncertainty.scenarios} if result.uncertainty else {}
    for s in result.scenarios:
        row(s, f"{result.horizon_months}-month TCO", "summary", "", s.horizon_tco)
        if s.name != result.baseline:
            row(s, "saves vs baseline", "summary", "", s.savings_vs_baseline)
        row(s, "NPV", "summary", "", s.npv)
        for p in ("p10", "p50", "p90") if s.name in spread else ():
            row(s, f"{p.upper()} {result.horizon_months}-month TCO", "summary", "", spread[s.name][p])
    return out.getvalue()


def _json(full: Result) -> str:
    """The estimate as it always was (schema_version 1), then the effort and the migration plan it came from."""
    payload: dict[str, Any] = full.estimate.model_dump(mode="json")
    payload["effort"] = full.effort.model_dump(mode="json") if full.effort is not None else None
    payload["migration_plan"] = full.plan.model_dump(mode="json") if full.plan is not None else None
    return json.dumps(payload, indent=2, ensure_ascii=False)


# Text from outside (scenario titles, notes, repository names) is shown, never run: HTML in Markdown is live
# in most viewers (GitHub strips <script> but keeps other tags and links), so < > & become entities and the
# characters that make links, emphasis, code or table cells are backslash-escaped.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_SPECIAL = set("\\`*_[]|~")


def _md_escape(text: str) -> str:
    out = []
    for ch in str(text).replace("\r", " ").replace("\n", " "):
        out.append(_MD_ENTITIES.get(ch) or ("\\" + ch if ch in _MD_SPECIAL else ch))
    return "".join(out)


def _md_table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = set(range(1, len(headers))) if numeric is None else numeric
    align = [" ---: " if i in numeric else " --- " for i in range(len(headers))]
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _markdown(full: Result, explain: bool) -> str:
    result = full.estimate
    parts = [
        f"### regcost estimate — {result.horizon_months} months, {_md_escape(result.currency)}",
        "",
        _md_escape(estate_line(result)),
        "",
        _md_table(_headers(result), _summary_rows(result)),
        "",
        f"**Recommendation:** {_md_escape(result.recommendation.headline)}. "
        f"{_md_escape(result.recommendation.reason)}.",
    ]
    if (effort := effort_line(full)) is not None:
        parts += ["", _md_escape(effort) + "."]
    if result.uncertainty is not None:
        u = result.uncertainty
        parts += [
            "",
            f"Uncertainty ({u.draws:,} draws, seed {u.seed}):",
            "",
            _md_table(_uncertainty_headers(result), _uncertainty_rows(result), {1, 2, 3, 4}),
            "",
            "What moves the answer most:",
            "",
            _md_table(_tornado_headers(), _tornado_rows(result), {2, 3, 4}),
        ]
    if explain:
        for s in result.scenarios:
            parts += [
                "",
                f"#### {_md_escape(s.title)}",
                "",
                _md_table(
                    [
                        "component",
                        "quantity (month 1)",
                        "unit price",
                        "month 1",
                        f"{result.horizon_months} months",
                        "what",
                    ],
                    _explain_rows(s),
                ),
            ]
    parts += [
        "",
        f"<sub>Prices as of {result.catalog_as_of.get('oldest', '?')} – "
        f"{result.catalog_as_of.get('newest', '?')}; estate as of {_as_of(result)}; generated "
        f"{result.generated_at:%Y-%m-%d %H:%M} UTC by regcost.</sub>",
    ]
    for note in result.notes:
        parts.append(f"\n> note: {_md_escape(note)}")
    return "\n".join(parts) + "\n"


def _as_of(result: EstimateResult) -> str:
    return f"{result.as_of:%Y-%m-%d %H:%M} UTC" if result.as_of else "?"
