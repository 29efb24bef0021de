"""``truthsim validate``, ``schema`` and ``scenarios``: working with scenario files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from truthsim.cli.format import table
from truthsim.cli.friendly import UserError, friendly
from truthsim.cli.params import allow_large_option
from truthsim.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    Step,
    apply_improvement,
    bundled_names,
    bundled_path,
    load_scenario,
)
from truthsim.scenario.checks import warnings
from truthsim.scenario.costs import yearly_cost
from truthsim.scenario.limits import run_size_problems
from truthsim.scenario.retention import retention_lines, retention_warnings
from truthsim.scenario.staffing import Schedule


@click.command(
    epilog="""\b
Examples:
  truthsim validate my.yaml
  truthsim validate airline
"""
)
@click.argument("file", metavar="FILE")
@allow_large_option
def validate(file: str, allow_large: bool) -> None:
    """Check a scenario FILE: list every problem (exit 2) or summarise it (exit 0).

    What validate accepts, run runs: the size limits are checked too (for the scenario and
    each improvement), unless --allow-large.
    """
    try:
        scenario = load_scenario(file)
        problems = run_size_problems(scenario, allow_large) + [
            Problem(("improvements", name), f"applied, {p.message}")
            for name in scenario.improvements
            for p in run_size_problems(apply_improvement(scenario, name), allow_large)
        ]
        if problems:
            raise ScenarioError(problems, file=file)
    except ScenarioError as error:
        count = len(error.problems)
        click.echo(f"{file}: {count} problem{'s' * (count != 1)}", err=True)
        click.echo(str(error), err=True)
        raise SystemExit(2) from None
    click.echo(describe(scenario, file))
    click.echo("\nyearly retention, estimated from the scenario's numbers (no queues):")
    click.echo("\n".join(f"  {line}" for line in retention_lines(scenario)))
    notes = warnings(scenario) + retention_warnings(scenario)
    if notes:
        click.echo("\nworth knowing:\n" + "\n".join(f"  - {note}" for note in notes))


def describe(scenario: Scenario, file: str) -> str:
    """A one-screen summary of a valid scenario."""
    s = scenario
    lines = [
        f"{file}: valid",
        f"{s.name}: {s.horizon_days:g} days (warm-up {s.warmup_days:g}), "
        f"{s.arrivals.describe()}"
        + (f" from a market of {s.arrivals.market_size:,}" if s.arrivals.market_size else "")
        + f", memory {s.memory.model}"
        + (f" (ceiling {s.memory.ceiling:g})" if s.memory.ceiling is not None else " (no ceiling)")
        + f", word of mouth {'on' if s.word_of_mouth else 'off'}",
        "",
        "segments: "
        + "; ".join(
            f"{k} {seg.share:.0%} (returns {seg.mean_return:.0%}, {s.currency} "
            f"{seg.value_per_journey:g}/journey)"
            for k, seg in s.segments.items()
        ),
        "journey:  " + " -> ".join(_step(step) for step in s.journey),
    ]
    if s.complaints is not None:
        lines.append(
            f"complaints: {s.complaints.share:.0%} of miseries (unless a touchpoint says "
            f"otherwise) complain at {s.complaints.touchpoint}"
        )
    lines += [
        "",
    ]
    rows = [
        [
            name,
            "unlimited"
            if tp.servers is None
            else tp.servers.describe()
            if isinstance(tp.servers, Schedule)
            else str(tp.servers),
            tp.service.describe(),
            f"{tp.outcomes.misery:.0%}/{tp.outcomes.mediocrity:.0%}/{tp.outcomes.magic:.0%}",
            "internal" if tp.internal else f"{tp.shifts.misery:+.2f}/{tp.shifts.magic:+.2f}",
        ]
        for name, tp in s.touchpoints.items()
    ]
    lines.append(
        table(
            ["touchpoint", "servers", "service (min)", "misery/medi/magic", "shift mis/mag"],
            rows,
            "llllr",
        )
    )
    if s.improvements:
        lines += ["", "improvements:"]
        lines += [
            f"  {name}: "
            + ", ".join(f"{path} {change.describe()}" for path, change in imp.changes.items())
            + f" ({_cost(s, name)})"
            for name, imp in s.improvements.items()
        ]
    return "\n".join(lines)


def _cost(s: Scenario, name: str) -> str:
    """An improvement's cost as a budget holder reads it: once, and a year's running cost with
    the staffed hours it adds (at their hourly cost)."""
    cost = s.improvements[name].cost
    one_off, per_year = yearly_cost(s, name)
    text = f"cost {s.currency} {one_off:,.0f} once + {per_year:,.0f}/year"
    if cost.per_staffed_hour:
        hours = (per_year - cost.per_year) / cost.per_staffed_hour
        text += f", of which {hours:,.0f} staffed hours a year at {cost.per_staffed_hour:,.2f}"
    return text


def _step(step: Step) -> str:
    if step.choice is not None:
        return "(" + " | ".join(f"{k} {p:.0%}" for k, p in step.choice.items()) + ")"
    suffix = f" {step.probability:.0%}?" if step.probability < 1 else ""
    return f"{step.touchpoint}{suffix}"


@click.command(
    epilog="""\b
Examples:
  truthsim schema > truthsim.schema.json
  truthsim schema | head
"""
)
def schema() -> None:
    """Print the scenario JSON Schema (point your editor's YAML support at it)."""
    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@click.group(
    invoke_without_command=True,
    epilog="""\b
Examples:
  truthsim scenarios
  truthsim scenarios copy airline my.yaml
""",
)
@click.pass_context
def scenarios(ctx: click.Context) -> None:
    """List the bundled scenarios; 'scenarios copy NAME DEST' copies one to edit."""
    if ctx.invoked_subcommand is None:
        rows = []
        for name in bundled_names():
            scenario = load_scenario(name)
            rows.append(
                [
                    name,
                    scenario.name,
                    str(len(scenario.touchpoints)),
                    str(len(scenario.improvements)),
                ]
            )
        click.echo(table(["name", "title", "touchpoints", "improvements"], rows, "llrr"))


@scenarios.command(
    epilog="""\b
Examples:
  truthsim scenarios copy airline my.yaml
  truthsim scenarios copy hotel scenarios/
"""
)
@click.argument("name")
@click.argument("dest", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
@friendly
def copy(name: str, dest: Path, force: bool) -> None:
    """Copy bundled scenario NAME to DEST (a file or a folder) to edit it."""
    source = bundled_path(name)
    if source is None:
        raise UserError(f"no bundled scenario '{name}'; there are: {', '.join(bundled_names())}")
    target = dest / source.name if dest.is_dir() else dest
    if target.exists() and not force:
        raise UserError(f"{target} already exists; choose another name or add --force")
    shutil.copyfile(source, target)
    click.echo(f"copied {name} to {target}")
