"""Assumption widgets, built from the fields of `Assumptions` themselves: label with the unit, the source and
the preset's range under each, the description on hover. Pre-filled with the baseline's values (what the
presets and the collected profile say); an edit applies to every scenario compared.

Fractions are shown in per cent. The app owns the values: those that differ from the presets are kept in
`st.session_state[EDITS]`, which every page reads. A widget (`a.<name>`) is filled from EDITS before it is drawn
and writes back through its on_change callback, because Streamlit drops a widget's state when its page is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import streamlit as st
from pydantic import BaseModel

from analysis.dashboard.source import Snapshot
from analysis.dashboard.state import EDITS, SELECTED, catalog, edits, presets, selected_names
from analysis.model.assumptions import CATALOG_PARAMETERS, Assumptions, Range, Share, base, field_extra
from analysis.render.format import size as gib
from analysis.render.wording import assumption_value, human_label

GROUPS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("Projection", ("horizon_months", "discount_rate_annual", "currency"), True),
    (
        "Pull traffic",
        (
            "consumers",
            "layer_cache_hit_ratio",
            "pull_growth_monthly",
            "private_subnet_share",
            "vpc_endpoint_share",
            "other_internet_egress_gb_month",
            "free_allowance",
            "inter_region_charging",
        ),
        True,
    ),
    (
        "Storage",
        (
            "storage_growth_factor",
            "untagged_cleanup_share",
            "cleanup_archives_never_pulled",
            "gc_backlog_share",
            "block_utilisation_target",
            "backup_copies",
            "rescans_per_image_month",
        ),
        False,
    ),
    (
        "Running Harbor",
        (
            "ops_hours_month",
            "upgrades_per_year",
            "hours_per_upgrade",
            "labour_rate",
            "site_local_share",
            "cross_az_share",
        ),
        False,
    ),
    ("Migration", ("migration_days_base", "migration_days_per_100_repositories", "dual_run_months"), False),
    ("Hybrid proxy cache", ("proxy_hit_ratio", "proxy_cache_share", "proxied_consumer_share"), False),
)


def label(name: str) -> str:
    """An assumption's name for people, from the report's one table (the identifier stays in the hover text and
    the downloads)."""
    return human_label(name)


def value_text(value: object, unit: str = "") -> str:
    """An assumption's value as the report writes it (`unit` is the caller's; the report writes fractions as
    fractions, with the unit beside them)."""
    return assumption_value(value)


SHARES = ("other_region", "internet", "other_cloud")  # same_region is what is left


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    unit: str
    source: str
    description: str
    preset: Any  # the baseline's value (a Range, number, str, bool or None)


def spec(name: str, model: type[BaseModel] = Assumptions, preset_of: Any = None) -> Spec:
    field = model.model_fields[name]
    extra = field_extra(field)
    return Spec(
        name=name,
        label=label(name),
        unit=str(extra.get("unit", "")),
        source=str(extra.get("source", "")),
        description=field.description or "",
        preset=getattr(preset_of, name) if preset_of is not None else field.default,
    )


def _is_percent(unit: str) -> bool:
    return unit.startswith("fraction")


def _unit_label(s: Spec, currency: str) -> str:
    if _is_percent(s.unit):
        return "%" + s.unit.removeprefix("fraction").replace(" per ", " per ")
    return s.unit.replace("currency", currency)


def _caption(s: Spec, context: str = "") -> str:
    scale = 100 if _is_percent(s.unit) else 1
    rng = ""
    if isinstance(s.preset, Range):
        rng = f" · preset range {s.preset.low * scale:g}–{s.preset.high * scale:g}"
    return f"{context}{' · ' if context else ''}source: {s.source}{rng}"


def _restore(key: str, value: Any) -> None:
    """Fill a widget from the app's state before it is drawn (its own state may have been dropped)."""
    st.session_state[key] = value


def _shown(value: Any, percent: bool) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    v = base(value)
    return round(v * 100, 4) if percent else v


def _edited(name: str, key: str, scale: float, preset: Any) -> None:
    """on_change: the widget's value (in model units) becomes an edit, or stops being one at the preset."""
    value = st.session_state[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = value / scale
    changes = edits()
    if _differs(value, preset):
        changes[name] = value
    else:
        changes.pop(name, None)
    st.session_state[EDITS] = changes


def _widget(s: Spec, current: Any, currency: str, context: str = "") -> None:
    """Draw one assumption, filled with `current` (model units; fractions are shown in per cent)."""
    key = f"a.{s.name}"
    percent = _is_percent(s.unit)
    label = f"{s.label} ({_unit_label(s, currency)})"
    help_text = f"{s.description}\n\nSource: {s.source}"
    field = Assumptions.model_fields[s.name]
    choices = get_args(field.annotation) if field.annotation is not None else ()
    scale = 100.0 if percent else 1.0
    common: dict[str, Any] = {
        "key": key,
        "help": help_text,
        "on_change": _edited,
        "args": (s.name, key, scale, s.preset),
    }
    if isinstance(s.preset, bool):
        _restore(key, bool(current))
        st.checkbox(label, **common)
    elif isinstance(s.preset, str):
        _restore(key, current)
        st.selectbox(label, list(choices), **common)
    elif s.name == "horizon_months":
        _restore(key, int(current))
        st.slider(label, 12, 120, step=6, **common)
    elif percent and s.name not in ("pull_growth_monthly",):
        _restore(key, float(_shown(current, True)))
        top = 30.0 if s.name == "discount_rate_annual" else 100.0
        st.slider(label, 0.0, top, step=1.0, format="%.0f %%", **common)
    elif percent:
        _restore(key, float(_shown(current, True)))
        st.number_input(label, -20.0, 50.0, step=0.5, format="%.1f", **common)
    elif s.preset is None:  # a catalog value unless set here
        _restore(key, _shown(current, False))
        st.number_input(label, 0.0, None, step=1.0, placeholder=_catalog_placeholder(s.name), **common)
    elif s.unit == "multiplier":
        _restore(key, float(_shown(current, False)))
        st.slider(label, 0.0, 3.0, step=0.05, format="× %.2f", **common)
    else:
        _restore(key, float(_shown(current, False)))
        st.number_input(label, 0.0, None, step=_step(s.name), **common)
    st.caption(_caption(s, context))


def _step(name: str) -> float:
    return {"other_internet_egress_gb_month": 1000.0, "migration_days_base": 1.0, "dual_run_months": 1.0}.get(name, 0.5)


def _catalog_placeholder(name: str) -> str:
    if name in CATALOG_PARAMETERS:
        low, mid, high = catalog().parameter(CATALOG_PARAMETERS[name]).low_base_high()
        return f"catalog: {mid:g} ({low:g}–{high:g})"
    return "catalog rate of each scenario's site"


DRAFT = "regcost.consumers_draft"  # the three sliders while they add up to more than 100 % (not an edit yet)


def _split_edited(preset: Share) -> None:
    """on_change of a consumer slider: a valid split becomes the edit (or stops being one at the preset); an
    invalid one is kept as a draft so the sliders stay where the user put them."""
    values = {k: st.session_state[f"a.consumers.{k}"] / 100 for k in SHARES}
    if sum(values.values()) > 1.0 + 1e-9:
        st.session_state[DRAFT] = values
        return
    st.session_state.pop(DRAFT, None)
    split = {**values, "same_region": max(1.0 - sum(values.values()), 0.0)}
    preset_split = {k: base(getattr(preset, k)) for k in (*SHARES, "same_region")}
    changes = edits()
    if any(abs(split[k] - preset_split[k]) > 1e-9 for k in split):
        changes["consumers"] = split
    else:
        changes.pop("consumers", None)
    st.session_state[EDITS] = changes


def _consumers(preset: Share, current: dict[str, float] | None) -> None:
    """The consumer split: three sliders, same-region is the remainder (the four add up to 100 %)."""
    st.markdown("**Where pulls go** (% of pulled bytes; the four add up to 100 %)")
    draft = st.session_state.get(DRAFT)
    values = {}
    for k in SHARES:
        s = spec(k, Share, preset)
        key = f"a.consumers.{k}"
        value = draft[k] if draft else current[k] if current else base(getattr(preset, k))
        _restore(key, float(_shown(value, True)))
        values[k] = (
            st.slider(
                f"{s.label} (%)",
                0.0,
                100.0,
                step=1.0,
                format="%.0f %%",
                key=key,
                help=s.description,
                on_change=_split_edited,
                args=(preset,),
            )
            / 100
        )
        st.caption(_caption(s))
    rest = 1.0 - sum(values.values())
    if rest < -1e-9:
        st.error(
            f"These add up to {sum(values.values()):.0%}: lower one so same-region pulls are ≥ 0 %. "
            "The estimate keeps the last split that added up."
        )
        return
    st.caption(
        f"Same region (free from ECR): **{rest:.0%}** — the remainder. "
        f"Source: {spec('same_region', Share, preset).source}"
    )


def _context(snap: Snapshot, name: str) -> str:
    p = snap.profile_summary
    if p is None:
        return ""
    if name == "storage_growth_factor":
        return f"measured: {gib(p.growth_bytes_per_month)}/month of new unique blobs"
    if name == "layer_cache_hit_ratio":
        return f"measured: {gib(p.pull_bytes_per_month)}/month pulled before the cache"
    if name == "pull_growth_monthly":
        return f"measured: {p.pulls_per_month:,.0f} pulls/month over {p.pull_window_days} days"
    if name == "untagged_cleanup_share":
        return f"measured: {gib(p.untagged_bytes)} untagged"
    if name == "migration_days_per_100_repositories":
        return f"{p.repositories:,} repositories collected"
    return ""


def assumption_panel(snap: Snapshot, currency: str) -> None:
    """Every assumption, grouped, filled from the edits in session state (each widget writes its edit back)."""
    baseline = presets()["ecr"].assumptions
    shown = edits()
    for title, names, expanded in GROUPS:
        with st.expander(title, expanded=expanded):
            for name in names:
                if name == "consumers":
                    _consumers(baseline.consumers, shown.get(name))
                    continue
                s = spec(name, Assumptions, baseline)
                context = "; ".join(x for x in (_context(snap, name), _own_presets(name, baseline)) if x)
                _widget(s, shown.get(name, s.preset), currency, context)


def _own_presets(name: str, baseline: Assumptions) -> str:
    """Scenarios whose preset sets this assumption differently (until it is edited here)."""
    scale = 100 if _is_percent(spec(name).unit) else 1
    own = [
        f"{s.name} {base(v) * scale:g}" if isinstance(v, int | float | Range) and not isinstance(v, bool) else s.name
        for s in presets().values()
        if (v := getattr(s.assumptions, name)) != getattr(baseline, name)
    ]
    return f"preset in {', '.join(own)} (an edit here replaces it)" if own else ""


def _differs(value: Any, preset: Any) -> bool:
    if value is None or preset is None or isinstance(value, bool | str):
        return value != preset
    return abs(float(value) - base(preset)) > 1e-9


def reset() -> None:
    """Back to the presets: forget the edits (the widgets are filled from them on the next run)."""
    st.session_state[EDITS] = {}
    st.session_state.pop(DRAFT, None)


def scenario_picker(where: str) -> list[str]:
    """Which scenarios are compared; the baseline (stay on ECR) always is. `where`: the page drawing it (each page
    has its own widget; the selection itself is the app's, `SELECTED`)."""
    scenarios = presets()
    others = [n for n in scenarios if n != "ecr"]
    key = f"w.scenarios.{where}"
    _restore(key, [n for n in selected_names() if n != "ecr"])
    st.multiselect(
        "Compare with Stay on ECR (the baseline)",
        others,
        key=key,
        format_func=lambda n: scenarios[n].title,
        help="Presets from data/scenarios/ (docs/scenarios.md). Every scenario is compared with staying on ECR.",
        on_change=_picked,
        args=(key,),
    )
    return selected_names()


def _picked(key: str) -> None:
    st.session_state[SELECTED] = ["ecr", *st.session_state[key]]
