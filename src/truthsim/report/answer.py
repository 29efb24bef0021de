"""The answer in sentences, from a what-if's results: one source for the report and the terminal.

Every sentence states what it rests on: the selection procedure's guarantee, or intervals that
hold jointly at the stated confidence. Reads the plain data of ``Comparison.to_dict()``, so saved
results give the same words as a fresh run.
"""

from __future__ import annotations

from typing import Any

from truthsim.report.staffing import staffing_sentences

WORDS = {"customers": "customers kept", "net_value": "net value", "revenue": "revenue"}
BASELINE = "baseline"
#: how the brief's first sentence names what the choice is best for
GOALS = {
    "customers": "to keep the most customers",
    "net_value": "for the most net value",
    "revenue": "for the most revenue",
}


def meeting_answer(data: dict[str, Any]) -> dict[str, list[str]]:
    """The answer for a manager (``brief``: what to do in the improvement's own words, what it
    keeps and earns with ranges, its cost per customer beside the runner-up's, how sure in one
    plain sentence) and the statistical statement behind it (``details``). The same words in
    the terminal, the report and the JSON."""
    return {"brief": brief(data), "details": answer_sentences(data)}


def brief(data: dict[str, Any]) -> list[str]:
    """Four sentences a manager reads in ten seconds."""
    ranking = data["ranking"]
    selection = data.get("selection")
    if not ranking or selection is None:
        return ["The scenario lists no improvements to compare."]
    cur, objective = data["currency"], data["objective"]
    chosen = selection["by_objective"][objective]
    rows = {r["improvement"]: r for r in ranking}
    budget = ""
    if data.get("procedure") == "budget":
        budget = (
            f"Within the budget ({cur} {data.get('budget') or 0:,.0f} one-off and {cur} "
            f"{data.get('budget_per_year') or 0:,.0f} a year), "
        )
    best = chosen["best"]
    if best is None:
        contenders = [_described(c, rows) for c in chosen["contenders"]]
        first = f"{budget or ''}too close to call between {_join(contenders)}."
        return [first[0].upper() + first[1:], _how_sure(chosen, data)]
    if best == BASELINE:
        first = f"{budget}change nothing: no improvement does better for {WORDS[objective]}."
        return [first[0].upper() + first[1:], _how_sure(chosen, data)]
    row = rows[best]
    first = f"{budget}{GOALS[objective]}: {_described(best, rows)}."
    out = [first[0].upper() + first[1:]]
    period = _period(int((data.get("value") or {}).get("planning_days") or 365))
    kept = f"It keeps {row['retained']:+,.0f} customers"
    if row["retained_low"] is not None:
        kept += f" ({row['retained_low']:+,.0f} to {row['retained_high']:+,.0f})"
    net = f"{cur} {row['net_value']:+,.0f}"
    if row["net_value_low"] is not None:
        net += f" ({row['net_value_low']:+,.0f} to {row['net_value_high']:+,.0f})"
    out.append(f"{kept} and adds {net} of net value over {period}, against changing nothing.")
    runner = next((r for r in ranking if r["improvement"] != best), None)
    if row["cost_per_retained"] is not None:
        text = f"Each customer kept costs {cur} {row['cost_per_retained']:,.0f}"
        if runner is not None and runner["cost_per_retained"] is not None:
            text += (
                f"; with the runner-up ({_described(runner['improvement'], rows)}) one costs "
                f"{cur} {runner['cost_per_retained']:,.0f}"
            )
        out.append(text + ".")
    out.append(_how_sure(chosen, data))
    return out


def _described(name: str, rows: dict[str, dict[str, Any]]) -> str:
    """An improvement in its own words (its description), or its name without underscores."""
    if name == BASELINE:
        return _named(name)
    text = (rows.get(name) or {}).get("description") or name
    if text == name:
        return name.replace("_", " ")
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _how_sure(selection: dict[str, Any], data: dict[str, Any]) -> str:
    confidence = f"{data['confidence']:.0%}"
    if selection["best"] is not None:
        return (
            f"How sure: {confidence}, that no other option is better by more than the smallest "
            "difference worth acting on (details below)."
        )
    return (
        f"How sure: not yet; at {confidence} confidence these cannot be told apart with the "
        "replications run (details below say how many more would tell)."
    )


def answer_sentences(data: dict[str, Any]) -> list[str]:
    """What the answer rests on: the best choice with its guarantee, what it keeps and earns
    with joint intervals, and what every figure counts."""
    ranking = data["ranking"]
    selection = data.get("selection")
    if not ranking or selection is None:
        return ["The scenario lists no improvements to compare."]
    objective = data["objective"]
    chosen = selection["by_objective"]
    sentences = [verdict(chosen[objective], data)]
    for other in ("customers", "net_value"):
        if other != objective and other in chosen:
            sentences.append(verdict(chosen[other], data))
    leader = chosen[objective]["best"] or chosen[objective]["contenders"][0]
    row = next((r for r in ranking if r["improvement"] == leader), None)
    if row is not None:
        sentences += consequences(row, data)
        share = terminal_share(row, data)
        if share:
            sentences.append(share)
    sentences += holds(data)
    sentences += staffing_sentences(data)
    sentences += across_parameters(data, leader)
    sentences += [s for s in (budget_words(data), counted(data), joint(data)) if s]
    return sentences


def verdict(selection: dict[str, Any], data: dict[str, Any]) -> str:
    """The selection's conclusion for one objective, with its guarantee or what is missing."""
    words = WORDS[selection["objective"]]
    delta = amount(selection["delta"], selection["objective"], data["currency"])
    confidence = f"{data['confidence']:.0%}"
    best = selection["best"]
    if best is not None:
        who = "Changing nothing (the baseline)" if best == BASELINE else best
        return (
            f"{who} is the best for {words}, or within {delta} of it, with {confidence} confidence."
        )
    contenders = [("the baseline" if c == BASELINE else c) for c in selection["contenders"]]
    most = max(selection["replications"].values())
    text = (
        f"For {words}, {_join(contenders)} cannot be told apart within {most} replications "
        f"(at {confidence} confidence, to within {delta})"
    )
    advised = selection.get("advised_replications")
    if advised and selection["procedure"] == "KN":
        text += f"; the selection is sure to finish within {advised} replications per variant"
    elif advised:
        text += (
            f"; about {advised} replications would tell the leading two apart with "
            f"{selection['power']:.0%} power"
        )
    return text + "."


def consequences(row: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """What the leading improvement keeps, what each customer costs, and whether it pays."""
    cur = data["currency"]
    confidence = f"{data['confidence']:.0%}"
    name = row["improvement"]
    out = []
    if row["retained_low"] is not None:
        out.append(
            f"{name} keeps {row['retained']:+,.0f} customers at the period's end against changing "
            f"nothing ({confidence} joint interval {row['retained_low']:+,.0f} to "
            f"{row['retained_high']:+,.0f})."
        )
    if row["cost_per_retained_low"] is not None:
        out.append(
            f"Each customer kept costs {cur} {row['cost_per_retained']:,.0f} "
            f"({row['cost_per_retained_low']:,.0f} to {row['cost_per_retained_high']:,.0f})."
        )
    elif row["cost"] > 0:
        out.append(
            "Cost per customer kept: not measurable, because the interval of customers kept "
            + ("lies below zero." if (row["retained_high"] or 0) < 0 else "includes zero.")
        )
    low, high = row["net_value_low"], row["net_value_high"]
    if low is not None:
        span = f"{cur} {row['net_value']:+,.0f} ({confidence} joint interval {low:+,.0f} to {high:+,.0f})"
        if high < 0:
            out.append(f"{name} loses money: its net value is {span}.")
        elif low > 0:
            out.append(f"{name} pays for itself: its net value is {span}.")
        else:
            out.append(f"{name} may gain or lose money: its net value is {span}.")
    return out


def counted(data: dict[str, Any]) -> str:
    """What every money figure includes: one definition, the same under every table."""
    value = data.get("value") or {}
    if "planning_days" not in value:
        return "Net value is extra revenue minus cost."
    days, rate = value["planning_days"], value["discount_rate"]
    warmup = value.get("warmup_days", 0)
    start = f"the end of a {warmup:g}-day warm-up" if warmup else "day 0"
    text = (
        f"Money is counted over the planning period, the {days:,} days ({days / 365:.1f} years) "
        f"from {start} to the horizon, with new customers arriving throughout: revenue of the "
        "journeys ending in it and each improvement's cost over the same days (one-off on the "
        f"first day, running costs for as long as the period lasts), discounted at {rate:.0%} a "
        "year to its start; customers kept are those active at its end."
    )
    worth = value.get("terminal_value_per_customer")
    if worth:
        text += (
            " Each customer still active at its end adds a terminal value, the same for every "
            f"customer of a segment ({data['currency']} {', '.join(f'{w:,.0f}' for w in worth)} "
            "by segment, discounted from the period's end), whatever improvement kept them."
        )
    else:
        text += " What customers bring after the period is not counted."
    return text


def columns(data: dict[str, Any]) -> str:
    """What the ranked table's columns count, in words (the terminal and the report alike)."""
    return (
        "Extra customers: customers active at the end of the planning period against the "
        "baseline, paired over replications on common random numbers. Revenue: the extra "
        "revenue of the period, discounted (terminal value included when set). Cost: one-off "
        "plus running costs over the same days, discounted. Net value = revenue - cost. Cost per "
        "customer kept is not measurable when the interval of customers kept does not lie above "
        "zero."
    )


def joint(data: dict[str, Any]) -> str | None:
    """What the stated confidence covers."""
    value = data.get("value") or {}
    families = value.get("families")
    if not families:
        return None
    return (
        f"Every interval and selection stated here holds jointly with {data['confidence']:.0%} "
        "confidence: the table's intervals of customers kept and of net value, and each "
        f"selection, every one of these {families} at {value['family_confidence']:.2%} "
        "(Bonferroni); the means across planning periods, rates and parameter draws are not "
        "part of it."
    )


def terminal_share(row: dict[str, Any], data: dict[str, Any]) -> str | None:
    """How much of the leader's revenue gain is terminal value."""
    value = data.get("value") or {}
    if not value.get("terminal_value_per_customer") or "terminal_value_change" not in row:
        return None
    cur, gain, terminal = data["currency"], row["value_change"], row["terminal_value_change"]
    if 0 <= terminal <= gain:
        return (
            f"Of {row['improvement']}'s revenue gain ({cur} {gain:+,.0f}), {terminal / gain:.0%} "
            "is the terminal value of the extra customers active at the period's end."
        )
    return (
        f"{row['improvement']}'s revenue gain ({cur} {gain:+,.0f}) includes {cur} "
        f"{terminal:+,.0f} of terminal value for the customers active at the period's end."
    )


def holds(data: dict[str, Any]) -> list[str]:
    """Whether the best for net value holds across planning periods and discount rates."""
    value = data.get("value") or {}
    cells = value.get("robustness")
    if not cells:
        return []
    choices = {c["best"] for c in cells}
    years = sorted({c["days"] for c in cells})
    rates = sorted({c["rate"] for c in cells})
    over = (
        f"over planning periods of {_join([_period(d) for d in years])} and discount rates of "
        f"{_join([f'{r:.0%}' for r in rates])}"
    )
    name = {BASELINE: "changing nothing"}
    if len(choices) == 1:
        best = name.get(cells[0]["best"], cells[0]["best"])
        out = [f"Valued {over}, {best} has the highest mean net value in every case."]
    else:
        counts = {b: sum(c["best"] == b for c in cells) for b in choices}
        usual = max(counts, key=lambda b: counts[b])
        changes = [
            f"{name.get(c['best'], c['best'])} over {_period(c['days'])} at {c['rate']:.0%}"
            for c in cells
            if c["best"] != usual
        ]
        out = [
            f"Valued {over}, the highest mean net value changes: {name.get(usual, usual)} in "
            f"{counts[usual]} of {len(cells)} cases, {_join(changes)}."
        ]
    out[0] += " (Means over the same replications, not selections with a guarantee.)"
    missing = value.get("years_not_simulated") or []
    if missing:
        longest = max(missing)
        out.append(
            f"Planning periods of {_join([_period(y * 365) for y in missing])} were not simulated: "
            f"run with --horizon-days {round(longest * 365) + value.get('warmup_days', 0):g} to "
            "value them."
        )
    return out


def across_parameters(data: dict[str, Any], leader: str) -> list[str]:
    """With drawn parameters: what the guarantee is about, and the spread the mean hides."""
    drawn = (data.get("value") or {}).get("parameters")
    if not drawn:
        return []
    out = [
        f"Parameters were drawn per replication ({drawn['source']}): the intervals and the "
        "selections are about the mean effect over what the data leave unknown, not about "
        "every plausible set of parameters."
    ]
    for objective in dict.fromkeys([data["objective"], "customers", "net_value"]):
        spread = drawn.get(objective)
        if not spread:
            continue
        amount = "{:+,.0f}" if objective == "customers" else f"{data['currency']} {{:+,.0f}}"
        shares = sorted(spread["best_share"].items(), key=lambda kv: -kv[1])
        best = _join([f"{_named(n)} in {s:.0%}" for n, s in shares if s > 0][:3])
        text = f"Across the {spread['replications']} draws, "
        if leader in spread["range"]:
            low, high = spread["range"][leader]
            text += (
                f"{leader}'s gain in {spread['objective']} ranged from {amount.format(low)} to "
                f"{amount.format(high)} (5th to 95th percentile, simulation noise included); "
            )
        out.append(text + f"the best for {spread['objective']} was {best} of them.")
    return out


def _named(name: str) -> str:
    return "changing nothing" if name == BASELINE else name


def budget_words(data: dict[str, Any]) -> str | None:
    """The budget as given, and what a set's cost covers."""
    if data.get("procedure") != "budget":
        return None
    cur = data["currency"]
    one_off = data.get("budget") or 0.0
    per_year = data.get("budget_per_year") or 0.0
    return (
        f"The budget: {cur} {one_off:,.0f} one-off and {cur} {per_year:,.0f} a year for running "
        "costs (staffed hours included); every set of improvements within both was a candidate, "
        "single improvements and changing nothing included. The cost column is a set's one-off "
        "cost plus its running costs over the planning period, discounted."
    ) + _beyond(data)


def _beyond(data: dict[str, Any]) -> str:
    beyond = (data.get("value") or {}).get("beyond_budget") or {}
    if not beyond:
        return ""
    cur = data["currency"]
    each = [
        f"{name} ({cur} {one_off:,.0f} one-off, {cur} {per_year:,.0f} a year)"
        for name, (one_off, per_year) in beyond.items()
    ]
    return f" Beyond the budget on its own: {_join(each)}."


def _period(days: int) -> str:
    years = days / 365
    if not years.is_integer():
        return f"{days} days"
    return "1 year" if years == 1 else f"{years:g} years"


def amount(value: float, objective: str, currency: str) -> str:
    if objective == "customers":
        return f"{value:,.0f} customers" if value >= 10 else f"{value:,.1f} customers"
    return f"{currency} {value:,.0f}"


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
