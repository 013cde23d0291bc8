"""The capacity plan as SVG charts (one per pool) and as a self-contained HTML page (no scripts, no
external resources: it works offline and in a pull-request artifact).

Each chart stacks, hour by hour over the UTC week, the GPUs each model can ask for at peak replicas,
draws the GPUs the schedules keep running as a step line, and the pool's maxGPUs as a dashed red line.
"""

from __future__ import annotations

import math
from html import escape

from servespec.capacity.plan import FleetPlan, PoolPlan
from servespec.capacity.week import DAYS, HOURS_PER_WEEK, hour_label

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac", "#e15759",
           "#86bcb6")
WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 64
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
LIMIT_COLOUR = "#d62728"


def _n(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros (stable, compact output)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _ticks(top: float) -> list[int]:
    step = max(1, math.ceil(top / 6))
    return list(range(0, int(top) + 1, step))


def pool_chart(pool: PoolPlan, y_offset: int = 0) -> str:
    """One pool's chart as an SVG group, `y_offset` pixels down."""
    stacks = [model.peak_gpus for model in pool.models]
    totals = [sum(stack[hour] for stack in stacks) for hour in range(HOURS_PER_WEEK)]
    scheduled = [sum(m.scheduled[hour] * m.gpus_per_replica for m in pool.models) for hour in range(HOURS_PER_WEEK)]
    top = max([pool.max_gpus, pool.peak_with_surge, *totals, 1]) * 1.1
    bar = PLOT_W / HOURS_PER_WEEK

    def y(value: float) -> float:
        return TOP + PLOT_H - value / top * PLOT_H

    parts = [f'<g class="pool" data-pool="{escape(pool.name)}" transform="translate(0,{y_offset})">',
             f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">Pool {escape(pool.name)} '
             f'({escape(pool.gpu)}{", spot" if pool.spot else ""}): peak {pool.peak_gpus} GPUs, '
             f'{pool.peak_with_surge} during a rollout, maxGPUs {pool.max_gpus}</text>']
    for tick in _ticks(top):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" '
                     f'stroke="#e0e0e0"/><text x="{LEFT - 6}" y="{_n(y(tick) + 4)}" font-size="11" '
                     f'text-anchor="end">{tick}</text>')
    base = [0.0] * HOURS_PER_WEEK
    for index, (model, stack) in enumerate(zip(pool.models, stacks)):
        colour = PALETTE[index % len(PALETTE)]
        hour = 0
        while hour < HOURS_PER_WEEK:
            end = hour + 1
            while end < HOURS_PER_WEEK and stack[end] == stack[hour] and base[end] == base[hour]:
                end += 1
            if stack[hour] > 0:
                parts.append(f'<rect class="bar" data-model="{escape(model.name)}" x="{_n(LEFT + hour * bar)}" '
                             f'y="{_n(y(base[hour] + stack[hour]))}" width="{_n((end - hour) * bar)}" '
                             f'height="{_n(stack[hour] / top * PLOT_H)}" fill="{colour}">'
                             f'<title>{escape(model.name)}: {stack[hour]:g} GPUs from {hour_label(hour)}</title>'
                             '</rect>')
            hour = end
        base = [b + s for b, s in zip(base, stack)]
    steps = " ".join(f"{_n(LEFT + hour * bar)},{_n(y(value))} {_n(LEFT + (hour + 1) * bar)},{_n(y(value))}"
                     for hour, value in enumerate(scheduled))
    parts.append(f'<polyline class="scheduled" points="{steps}" fill="none" stroke="#222" stroke-width="1.5"/>')
    parts.append(f'<line class="limit" x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{_n(y(pool.max_gpus))}" '
                 f'y2="{_n(y(pool.max_gpus))}" stroke="{LIMIT_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{LEFT + PLOT_W - 4}" y="{_n(y(pool.max_gpus) - 5)}" font-size="11" text-anchor="end" '
                 f'fill="{LIMIT_COLOUR}">maxGPUs {pool.max_gpus}</text>')
    for day, name in enumerate(DAYS):
        x = LEFT + day * 24 * bar
        parts.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{TOP}" y2="{TOP + PLOT_H}" stroke="#bbb"/>'
                     f'<text x="{_n(x + 12 * bar)}" y="{TOP + PLOT_H + 16}" font-size="11" '
                     f'text-anchor="middle">{name}</text>')
    parts.append(f'<text x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H + 32}" font-size="11" text-anchor="middle">'
                 'hour of the week (UTC)</text>')
    parts += _legend([model.name for model in pool.models])
    parts.append("</g>")
    return "\n".join(parts)


LEGEND_ROW = 16


def _legend_rows(names: list[str]) -> list[list[tuple[int, str]]]:
    """Legend entries (x, name) wrapped into rows that fit the width; the last entry is the scheduled line."""
    rows: list[list[tuple[int, str]]] = [[]]
    x = LEFT
    for name in [*names, "scheduled"]:
        width = 24 + 7 * len(name)
        if x + width > WIDTH - RIGHT and rows[-1]:
            rows.append([])
            x = LEFT
        rows[-1].append((x, name))
        x += width
    return rows


def chart_height(pool: PoolPlan) -> int:
    """A pool chart's height: the plot plus one legend row per line of model names."""
    return HEIGHT + LEGEND_ROW * (len(_legend_rows([model.name for model in pool.models])) - 1)


def _legend(names: list[str]) -> list[str]:
    parts: list[str] = []
    for row_number, row in enumerate(_legend_rows(names)):
        y = HEIGHT - 18 + row_number * LEGEND_ROW
        for x, name in row:
            index = len(parts)
            if index == len(names):
                parts.append(f'<line x1="{x}" x2="{x + 18}" y1="{y + 5}" y2="{y + 5}" stroke="#222" '
                             f'stroke-width="1.5"/><text x="{x + 22}" y="{y + 9}" font-size="11">scheduled</text>')
            else:
                parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>'
                             f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')
    return parts


def render_svg(plan: FleetPlan) -> str:
    """Every pool's chart, one below the other, in one SVG document."""
    charts, height = [], 0
    for pool in plan.pools:
        charts.append(pool_chart(pool, height))
        height += chart_height(pool)
    height = max(height, HEIGHT)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">\n'
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>\n' + "\n".join(charts) + "\n</svg>\n")


def _svg_of(pool: PoolPlan) -> str:
    height = chart_height(pool)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">\n{pool_chart(pool)}\n</svg>')


def render_html(plan: FleetPlan) -> str:
    where = f" ({escape(plan.environment)})" if plan.environment else ""
    rows = "\n".join(
        f"<tr><td>{escape(m.name)}</td><td>{escape(m.pool)}</td><td>{m.priority}</td>"
        f"<td class=n>{m.gpus_per_replica:.3g}</td><td class=n>{min(m.scheduled)}-{max(m.scheduled)}</td>"
        f"<td class=n>{max(m.peak)}</td><td class=n>{m.gpu_hours_per_week:,.1f}</td>"
        f"<td class=n>${m.monthly_cost:,.0f}</td><td class=n>{m.startup_budget_seconds} s</td>"
        f"<td>{m.rollout}{f' ({m.rollout_seconds // 60} min)' if m.rollout_seconds else ''}</td></tr>"
        for m in plan.models)
    pools = "\n".join(
        f"<tr{' class=over' if p.over_limit else ''}><td>{escape(p.name)}</td><td>{escape(p.gpu)}</td>"
        f"<td class=n>{p.max_gpus}</td><td class=n>{p.peak_gpus} ({hour_label(p.peak_hour)})</td>"
        f"<td class=n>{p.peak_with_surge}</td><td class=n>{p.gpu_hours_per_week:,.1f}</td>"
        f"<td class=n>${p.cost_per_gpu_hour:,.2f}</td><td class=n>${p.monthly_cost:,.0f}</td></tr>"
        for p in plan.pools)
    budget = ""
    if plan.budget:
        share = plan.monthly_cost / plan.budget * 100
        budget = f" of a ${plan.budget:,.0f} budget ({share:.0f}%)"
    charts = "\n".join(f'<figure>{_svg_of(pool)}</figure>' for pool in plan.pools)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Capacity plan: {escape(plan.name)}{where}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
table {{ border-collapse: collapse; margin: 12px 0 24px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; white-space: nowrap; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.over td {{ color: {LIMIT_COLOUR}; font-weight: bold; }}
figure {{ margin: 0 0 16px; }}
</style>
</head>
<body>
<h1>Capacity plan: {escape(plan.name)}{where}</h1>
<p>One week in UTC (schedules are read in their own time zones). Bars: GPUs each model can ask for at
peak replicas; black line: GPUs the schedules keep running; dashed red line: the pool's maxGPUs.</p>
<p><strong>Projected GPU cost: ${plan.monthly_cost:,.0f} per month{budget}.</strong></p>
{charts}
<h2>Pools</h2>
<table>
<tr><th>pool</th><th>GPU</th><th>maxGPUs</th><th>peak GPUs</th><th>during a rollout</th><th>GPU-h/week</th>
<th>$/GPU-h</th><th>$/month</th></tr>
{pools}
</table>
<h2>Models</h2>
<table>
<tr><th>model</th><th>pool</th><th>priority</th><th>GPUs/replica</th><th>scheduled replicas</th><th>peak</th>
<th>GPU-h/week</th><th>$/month</th><th>startup budget</th><th>rollout</th></tr>
{rows}
</table>
</body>
</html>
"""
