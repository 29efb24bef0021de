"""The answer's words for a staffing improvement where staff load moves outcomes: how much of
what an extra server keeps comes from shorter waits and how much from relieved staff."""

from __future__ import annotations

from typing import Any


def staffing_sentences(data: dict[str, Any]) -> list[str]:
    """One sentence per staffing improvement split into its wait and load effects."""
    splits = (data.get("value") or {}).get("staffing_split") or {}
    confidence = data.get("confidence", 0.95)
    sentences = []
    for name, split in splits.items():
        total, wait, load = split["total"], split["wait"], split["load"]
        places = ", ".join(p.replace("_", " ") for p in split["touchpoints"])
        sentences.append(
            f"{name.replace('_', ' ')} keeps {_kept(total)} customers: {_kept(wait)} through "
            f"shorter waits and {_kept(load)} through staff less stretched at {places} "
            f"(each a {confidence:.0%} interval of its own over {split['replications']} "
            "replications, not part of the joint statements; the wait effect is the same "
            "improvement with load mattering nowhere there, the load effect the rest)."
        )
    return sentences


def _kept(e: dict[str, Any]) -> str:
    if e["low"] is None:
        return f"{e['mean']:,.0f}"
    return f"{e['mean']:,.0f} ({e['low']:,.0f} to {e['high']:,.0f})"
