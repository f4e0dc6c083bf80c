"""The report as one self-contained HTML file (plotly charts, plotly.js inlined) plus JSON."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from streams.report.compute import Report

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2733}
h1{margin-bottom:.2rem} .muted{color:#5b6b7c} .cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
.card{border:1px solid #d8dee6;border-radius:8px;padding:.8rem 1.1rem;min-width:150px}
.card b{display:block;font-size:1.5rem} table{border-collapse:collapse;width:100%;margin:1rem 0 2rem}
th,td{border-bottom:1px solid #e3e8ee;padding:.4rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#f4f6f9} .chart{margin:1rem 0 2rem}
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def figures(report: Report) -> list[tuple[str, go.Figure]]:
    out: list[tuple[str, go.Figure]] = []
    days = [d["day"] for d in report.daily]
    fig = go.Figure()
    fig.add_scatter(
        x=days,
        y=[d["first_pass_acceptance"] for d in report.daily],
        name="first-pass acceptance",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=days,
        y=[d["first_pass_resolution"] for d in report.daily],
        name="first-pass resolution",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=days, y=[d["clean_claim_rate"] for d in report.daily], name="clean-claim rate", mode="lines+markers"
    )
    fig.update_layout(
        title="First-pass acceptance and resolution, and clean-claim rate by day",
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.05],
    )
    out.append(("rates", fig))

    reasons = report.denials_by_reason
    pareto = make_subplots(specs=[[{"secondary_y": True}]])
    pareto.add_bar(
        x=[r["reason"] for r in reasons],
        y=[r["count"] for r in reasons],
        name="denials",
        hovertext=[r["label"] for r in reasons],
    )
    pareto.add_scatter(
        x=[r["reason"] for r in reasons],
        y=[r["cumulative_share"] for r in reasons],
        name="cumulative share",
        mode="lines+markers",
        secondary_y=True,
    )
    pareto.update_layout(title="Denials by reason (Pareto)")
    pareto.update_yaxes(tickformat=".0%", range=[0, 1.05], secondary_y=True)
    out.append(("pareto", pareto))

    payers = report.denials_by_payer
    fig = go.Figure(
        go.Bar(
            x=[p["payer"] for p in payers],
            y=[p["amount"] for p in payers],
            text=[p["count"] for p in payers],
            name="denied amount",
        )
    )
    fig.update_layout(title="Denied amount by payer (bar label: denials)", yaxis_tickprefix="$")
    out.append(("payers", fig))

    fig = go.Figure()
    actions = [t["action"] for t in report.tasks]
    for outcome in ("recovered", "open", "written_off"):
        fig.add_bar(x=actions, y=[t[outcome] for t in report.tasks], name=outcome.replace("_", " "))
    fig.update_layout(title="Resubmission tasks by action and outcome", barmode="stack")
    out.append(("tasks", fig))

    money = go.Figure(
        go.Bar(
            x=["at risk (denied)", "recovered"],
            y=[report.totals["money_at_risk"], report.totals["money_recovered"]],
            marker_color=["#c0392b", "#27ae60"],
        )
    )
    money.update_layout(title="Money at risk and recovered", yaxis_tickprefix="$")
    out.append(("money", money))
    for _, f in out:
        f.update_layout(template="plotly_white", height=380, margin={"t": 60, "b": 40, "l": 50, "r": 30})
    return out


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    if not rows:
        return '<p class="muted">None in this period.</p>'
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(key, '')))}</td>" for key, _ in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: Report) -> str:
    t = report.totals
    cards = [
        ("Claims scrubbed", f"{t['claims_scrubbed']:,}"),
        ("Clean-claim rate", _pct(t["clean_claim_rate"])),
        ("First-pass acceptance", _pct(t["first_pass_acceptance"])),
        ("First-pass resolution", _pct(t["first_pass_resolution"])),
        ("Denials", f"{t['denials']:,}"),
        ("Denial rate (claims)", _pct(t["denial_rate"])),
        ("Denial rate (dollars)", _pct(t["denial_rate_dollars"])),
        ("Money at risk", _money(t["money_at_risk"])),
        ("Recovered", _money(t["money_recovered"])),
        ("Resubmission tasks", f"{t['tasks']:,}"),
        ("Denial trends", f"{t['denial_trends']:,}"),
    ]
    charts = "".join(
        f'<div class="chart">{pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"chart-{name}", config={"displaylogo": False, "responsive": True})}</div>'
        for name, fig in figures(report)
    )
    edits = _table(
        report.top_edits,
        [
            ("rule_id", "Rule"),
            ("category", "Category"),
            ("severity", "Severity"),
            ("count", "Edits"),
            ("message", "Example"),
            ("fix", "How to fix"),
        ],
    )
    trends = _table(
        report.trends,
        [
            ("as_of", "As of"),
            ("payer_id", "Payer"),
            ("procedure_code", "Code"),
            ("category", "Category"),
            ("diagnoses", "Diagnoses"),
            ("denied", "Denied"),
            ("adjudicated", "Adjudicated"),
            ("rate", "Rate"),
            ("baseline_rate", "Baseline"),
            ("top_reasons", "Reasons"),
        ],
    )
    dead = ", ".join(f"{k}: {v}" for k, v in sorted(report.dead_letters.items())) or "none"
    period = f"{report.period_from.isoformat()} to {report.period_to.isoformat()}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>claimflow billing audit, {period}</title>
<style>{STYLE}</style><script>{get_plotlyjs()}</script></head>
<body>
<h1>Billing audit</h1><p class="muted">{period} · generated by claimflow from the claim lifecycle events · no patient data</p>
<div class="cards">{"".join(f'<div class="card"><span class="muted">{html.escape(k)}</span><b>{html.escape(v)}</b></div>' for k, v in cards)}</div>
{charts}
<h2>Top scrub edits and their fixes</h2>{edits}
<h2>Denial trends</h2>{trends}
<p class="muted">Dead letters in the period: {html.escape(dead)}.</p>
</body></html>
"""


def write(report: Report, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    page, data = out_dir / "report.html", out_dir / "report.json"
    page.write_text(to_html(report))
    data.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return page, data
