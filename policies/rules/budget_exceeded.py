from __future__ import annotations

from typing import Iterator

from servespec.capacity.week import monthly_cost
from servespec.policies.rule import Finding, LintContext, NoOptions, Rule


class BudgetExceeded(Rule):
    """Projected monthly GPU cost of the weekly schedule is above the budget.

    What it does:
        Adds up, for a week, the GPU-hours of the replicas the schedules keep running (replicas.min outside
        the windows), prices them with each pool's `costPerGPUHour` (a MIG slice costs its share of the GPU),
        scales the week to a month (365.25 / 12 / 7 weeks) and compares with `budget.monthlyUSD`.

    Why it matters:
        Schedules and minimum replicas are what is paid for whether or not traffic comes. A schedule
        change that doubles the bill should fail review, not show up on next month's invoice.

    Fix:
        Lower replicas.min or the schedules' replicas, use MIG slices or a cheaper pool, or raise the budget.
    """

    id = "PLC002"
    slug = "budget-exceeded"
    category = "placement"

    def check(self, context: LintContext, options: NoOptions) -> Iterator[Finding]:
        budget = context.fleet.spec.budget
        if budget is None:
            return
        costs = {model.name: monthly_cost(model) for model in context.fleet.models}
        total = sum(costs.values())
        if total > budget.monthly_usd:
            top = ", ".join(f"{name} ${cost:,.0f}" for name, cost in
                            sorted(costs.items(), key=lambda item: (-item[1], item[0]))[:3])
            yield Finding(f"projected monthly GPU cost ${total:,.0f} is above the budget of "
                          f"${budget.monthly_usd:,.0f} (largest: {top})", ("budget", "monthlyUSD"),
                          hint="lower replicas.min or schedules, or raise budget.monthlyUSD")
