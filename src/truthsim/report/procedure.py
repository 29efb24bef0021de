"""How a what-if's replications were decided, and the options that run it again: the lines a
reader needs to check or repeat an answer."""

from __future__ import annotations

from typing import Any


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
    text = f"sequential selection{among}, {used} replications in all"
    each = data["selection"].get("replications") or {} if data.get("selection") else {}
    screen = data.get("screen") or 0
    first = screen or data.get("first_stage")
    more = {k: n for k, n in each.items() if first is not None and n > first}
    if first is not None and each:
        text += f" ({first} of each of the {len(each)} variants, the baseline included"
        if screen:
            text += ", screened"
        if more:
            text += "; then " + ", ".join(f"{k} {n}" for k, n in more.items())
        text += ")"
    return text


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
        if data["procedure"] in ("select", "budget"):  # results written before it: no screen
            parts.append(f"--screen {data.get('screen') or 0}")
    if data["procedure"] == "precision":
        parts.append(f"--precision {data['precision']:g}")
    if data["procedure"] == "budget" and data.get("budget") is not None:
        parts.append(f"--budget {data['budget']:g}")
    selection = data.get("selection") or {}
    parts.append(f"--objective {data['objective']}")
    if selection:
        parts.append(f"--delta {selection['delta']:g}")
    parts.append(f"--confidence {data['confidence']:g}")
    if data.get("budget_per_year") is not None:
        parts.append(f"--budget-per-year {data['budget_per_year']:g}")
    value = data.get("value") or {}
    if "discount_rate" in value:
        parts.append(f"--discount-rate {value['discount_rate']:g}")
    if "terminal_value_per_customer" in value:
        terminal = value["terminal_value_per_customer"] is not None
        parts.append("--terminal-value" if terminal else "--no-terminal-value")
    return " ".join(parts)
