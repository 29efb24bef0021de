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

from truthsim.behaviour.internal import made_worse
from truthsim.engine.desks import NEVER
from truthsim.engine.plan import (
    FAILURE,
    INTERNAL_FAILURE,
    INTERNAL_OUTCOME,
    INTERNAL_RECOVERY,
    INTERNAL_SERVICE,
    NEED,
    OUTCOME,
    RECOVERY,
    SERVICE,
    TouchpointPlan,
)

if TYPE_CHECKING:
    from truthsim.behaviour.outcome import MomentModel
    from truthsim.engine.journey import Journey
    from truthsim.engine.simulation import Simulation


def serve(journey: Journey, now: float, load: float) -> float:
    """A server takes ``journey``'s customer at ``now`` at a touchpoint that may need an
    internal one (``load``: the servers' busy share): the agent asks it where this moment
    needs it, and the customer waits with them. Returns when the server is free again; the
    moment's times are left ``pending`` for the journey to draw its outcome (Journey.resume),
    or not, where it ends after the end of the run (censored)."""
    sim, u, columns = journey.sim, journey.u, journey.columns
    plan = sim.plan
    need = plan.touchpoints[journey.index].need
    assert need is not None
    arrival = journey.at
    wait = in_line = now - arrival
    service = u[columns[SERVICE]]
    carried, behind = 0.0, None
    if u[columns[NEED]] < need.share:
        internal = plan.touchpoints[need.touchpoint]
        customer = journey.customer.id
        asked = internal_moment(sim, internal, customer, journey.number, now, u, columns)
        if asked is None:  # the answer comes after the end of the run: censored
            return NEVER
        internal_wait, internal_service, outcome = asked
        wait += internal_wait
        service += internal_service
        carried, behind = need.carried[outcome], (need.touchpoint, in_line)
    ends = arrival + wait + service
    if ends < plan.end:
        journey.pending = (arrival, wait, service, False, load, carried, behind)
    return ends


def went_through(
    journey: Journey,
    rule: MomentModel,
    outcome: int,
    columns: tuple[int, ...],
    behind: tuple[int, float],
    load: float,
) -> None:
    """Note the journey's moment about to be recorded as lost through internal touchpoint
    ``behind[0]`` where the internal moment made it worse (``behind[1]``: the wait in line
    alone; see behaviour.internal)."""
    u = journey.u
    drawn = (u[columns[OUTCOME]], u[columns[FAILURE]], u[columns[RECOVERY]])
    if made_worse(rule, outcome, drawn, behind[1], journey.customer.segment.patience, load):
        journey.through = (journey.through or ()) + ((len(journey.impacts), behind[0]),)


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
