"""The answer in sentences, from a what-if's results: one source for the report and the terminal.

Every sentence states what it rests on: the selection procedure's guarantee, or intervals that
hold jointly at the stated confidence. Reads the plain data of ``Comparison.to_dict()``, so saved
results give the same words as a fresh run.
"""

from __future__ import annotations

from typing import Any

WORDS = {"customers": "customers kept", "net_value": "net value", "revenue": "revenue"}
BASELINE = "baseline"


def answer_sentences(data: dict[str, Any]) -> list[str]:
    """What to take into the meeting: the best choice, how sure, what it keeps and what it earns."""
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
    sentences.append(counted(data))
    return sentences


def verdict(selection: dict[str, Any], data: dict[str, Any]) -> str:
    """The selection's conclusion for one objective, with its guarantee or what is missing."""
    words = WORDS[selection["objective"]]
    delta = amount(selection["delta"], selection["objective"], data["currency"])
    confidence = f"{selection['confidence']:.0%}"
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
            f"{name} keeps {row['retained']:+,.0f} customers at the horizon against changing "
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
    """What net value includes."""
    value = data.get("value") or {}
    if not value:
        return "Net value is extra revenue minus cost."
    run_off = value["run_off_days"]
    tail = (
        f" and {run_off:g} days after it, while the customers active at the horizon keep coming back"
        if run_off
        else ""
    )
    return (
        f"Net value is extra revenue minus cost, both counted from the end of the warm-up to the "
        f"horizon{tail}, discounted at {value['discount_rate']:.0%} a year."
    )


def procedure_words(data: dict[str, Any]) -> str:
    """How the replications were decided, in a few words."""
    used = data["selection"]["replications_used"] if data.get("selection") else 0
    if data["procedure"] == "fixed":
        return f"{data['replications']} replications each"
    if data["procedure"] == "precision":
        return (
            f"{data['replications']} replications each (two-stage, for intervals of "
            f"±{data['precision']:,g})"
        )
    among = " among the sets that fit the budget" if data["procedure"] == "budget" else ""
    return f"sequential selection{among}, {used} replications in all"


def reproduce(data: dict[str, Any]) -> str:
    """The options that run the same what-if again (after the scenario)."""
    parts = [f"--seed {data['seed']}", f"--horizon-days {data['horizon_days']:g}"]
    if data["procedure"] == "fixed":
        parts.insert(0, f"-r {data['replications']}")
    else:
        parts += [
            f"--first-stage {data['first_stage']}",
            f"--max-replications {data['max_replications']}",
        ]
    if data["procedure"] == "precision":
        parts.append(f"--precision {data['precision']:g}")
    if data["procedure"] == "budget":
        parts.append(f"--budget {data['budget']:g}")
    selection = data.get("selection") or {}
    parts.append(f"--objective {data['objective']}")
    if selection:
        parts.append(f"--delta {selection['delta']:g}")
    parts.append(f"--confidence {data['confidence']:g}")
    value = data.get("value") or {}
    if value:
        parts.append(
            f"--discount-rate {value['discount_rate']:g} --run-off-days {value['run_off_days']:g}"
        )
    return " ".join(parts)


def amount(value: float, objective: str, currency: str) -> str:
    if objective == "customers":
        return f"{value:,.0f} customers" if value >= 10 else f"{value:,.1f} customers"
    return f"{currency} {value:,.0f}"


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
