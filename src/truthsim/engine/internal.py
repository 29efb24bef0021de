"""An internal moment: a front-line agent asks an internal touchpoint (a back office) mid-service.

The agent's request joins the internal touchpoint's line as the customer's service begins; the
requests of all front desks come in time order (each is made as a service begins, an event),
so the internal line answers at once, as any plain line does (see ``desks``). Staff do not give
up waiting. The internal moment's outcome follows the internal touchpoint's own rule, its wait
and load as the customer's do; it is recorded among the internal moments, and its outcome
carries into the customer's moment (see behaviour.internal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truthsim.engine.desks import NEVER
from truthsim.engine.plan import (
    INTERNAL_FAILURE,
    INTERNAL_OUTCOME,
    INTERNAL_RECOVERY,
    INTERNAL_SERVICE,
    TouchpointPlan,
)

if TYPE_CHECKING:
    from truthsim.engine.simulation import Simulation


def internal_moment(
    sim: Simulation,
    internal: TouchpointPlan,
    customer: int,
    journey: int,
    now: float,
    u: list[float],
    columns: tuple[int, ...],
) -> tuple[float, float, int] | None:
    """The internal moment asked for at ``now`` behind ``customer``'s journey ``journey``
    (``u``, ``columns``: the journey's numbers and the front visit's columns): (wait, service,
    outcome), or None when it ends at or after the end of the run (not recorded, as no moment
    that does is)."""
    service = u[columns[INTERNAL_SERVICE]]
    desks = sim.desks[internal.index]
    if desks is None:  # unlimited: no line
        start, load = now, 0.0
    else:
        start = desks.arrive(now, service, NEVER)  # type: ignore[union-attr,assignment]
        load = desks.load  # type: ignore[union-attr]
    if start + service >= sim.plan.end:
        return None
    wait = start - now
    outcome, failed, recovered = internal.moment.draw(
        u[columns[INTERNAL_OUTCOME]],
        u[columns[INTERNAL_FAILURE]],
        u[columns[INTERNAL_RECOVERY]],
        wait,
        1.0,
        load,
    )
    rows = sim.internal
    rows.buffer += rows.pack(
        customer, journey, internal.index, now, wait, service, outcome, False, failed, recovered
    )
    if sim.internal_loads is not None:
        sim.internal_loads.append(load)
    return wait, service, outcome
