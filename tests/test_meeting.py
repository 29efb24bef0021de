"""What a strategist sees of a what-if: a progress count that goes on, a header that adds up."""

from __future__ import annotations

from tests.conftest import shop
from truthsim.experiments import compare
from truthsim.report.answer import procedure_words


def test_progress_counts_on_across_a_sequential_selection() -> None:
    seen: list[tuple[int, int | None]] = []
    result = compare(
        shop(), seed=4, jobs=1, select=True, delta=0.5, progress=lambda d, t: seen.append((d, t))
    )
    done = [d for d, _ in seen]
    assert done == sorted(done), "the count never starts again"
    assert done[-1] == result.replications_used
    first = [t for _, t in seen if t is not None]
    assert set(first) == {10 * (len(result.variants) + 1)}  # the first stage, then open
    assert seen[-1][1] is None or result.replications_used == first[0]


def test_the_header_says_how_the_replications_add_up() -> None:
    result = compare(shop(), seed=4, jobs=1, select=True, delta=0.5)
    data = result.to_dict()
    words = procedure_words(data)
    per = data["selection"]["replications"]
    assert f"{sum(per.values())} replications in all" in words
    assert f"10 of each of the {len(per)} variants" in words
    for name, n in per.items():
        if n > 10:
            assert f"{name} {n}" in words
