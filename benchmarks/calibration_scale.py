"""Calibration at scale: does a log of 1,000,000 customers and 10,000,000 transactions calibrate
in under 5 minutes and 4 GiB on 2 cores?

    python benchmarks/calibration_scale.py                      # 1,000,000 customers
    python benchmarks/calibration_scale.py --customers 100000   # a quick check
    python benchmarks/calibration_scale.py --keep /tmp/big      # keep the log and the output

A synthetic ``transactions.csv`` (customer, date, amount) is made from the MBG/NBD process in
numpy, without a Python loop per customer: customers are acquired uniformly over the first year
of a three-year window, each buys at Poisson rate lambda ~ Gamma(r, rate alpha) per day and drops
out with probability p ~ Beta(a, b) right after every purchase (the first included); purchases
after the window's end are cut, amounts are lognormal of mean 30. With r = 0.6, alpha = 3.5,
a = 1, b = 3 a customer makes about 10 purchases, so 1,000,000 customers give about 10,000,000
rows. Making the log is timed apart: it is not part of the target.

Then ``truthsim calibrate`` runs on it in a fresh interpreter, with a one-segment scenario
written beside the log; its wall time, user + system CPU and peak resident memory are recorded
(the peak from ``getrusage(RUSAGE_CHILDREN)``, and the resident memory sampled every half second
from /proc, so that its phases can be seen). The fitted values are set against the truth: the
scenario's baseline_return {churn_alpha, churn_beta} against (a, b), and days_between_journeys
(a customer's gaps are Y / m, Y of mean mu, m ~ Gamma(k, rate k)) against mean alpha / r and
rate_shape r. Figures go to benchmarks/results/calibration_scale.json (with the customer count in
the name when it is not the default, and ``--tag`` after it). ``--r``, ``--alpha``, ``--a``,
``--b`` set the truth; ``--timeout`` kills calibrate after so many seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 300.0
TARGET_MIB = 4 * 1024
WINDOW_DAYS = 3 * 365
ACQUIRED_DAYS = 365
FIRST_DAY = date(2021, 1, 1)
CHUNK = 1_000_000

SCENARIO = """\
name: shop
horizon_days: 365
arrivals: {per_day: 1000}
segments:
  everyone:
    share: 1
    value_per_journey: 30
    baseline_return: {churn_alpha: 1, churn_beta: 3}
    days_between_journeys: {kind: exponential, mean: 30}
touchpoints:
  shop:
    servers: unlimited
    service: {kind: fixed, value: 1}
    outcomes: {misery: 0, mediocrity: 1, magic: 0}
    shifts: {misery: 0, mediocrity: 0, magic: 0}
journey: [shop]
"""


def mbgnbd_log(
    n: int, r: float, alpha: float, a: float, b: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(customer, time in days from the window's start) of every purchase, in time order.

    Customer i is acquired at s_i ~ U(0, 365) and watched for T_i = 1095 - s_i days. While alive
    she buys at the points of a Poisson process of rate lambda_i; she makes cap_i ~ Geometric(p_i)
    - 1 repeat purchases before the one after which she drops out. Of the N_i ~ Poisson(lambda_i
    T_i) points in her window she makes the first k_i = min(cap_i, N_i). These are the first k_i
    order statistics of N_i uniforms on (0, T_i), drawn as S_j / (S_k + G) from k_i exponentials
    (cumulated: S_j) and one G ~ Gamma(N_i + 1 - k_i): memory in the rows kept, not in N_i.
    """
    rng = np.random.default_rng(seed)
    start = rng.uniform(0.0, ACQUIRED_DAYS, n)
    watched = WINDOW_DAYS - start
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    cap = rng.geometric(p) - 1
    points = rng.poisson(lam * watched)
    k = np.minimum(cap, points)
    del lam, p, cap
    rest = rng.gamma((points - k + 1).astype(np.float64))
    del points
    offsets = np.cumsum(k) - k
    who = np.repeat(np.arange(n, dtype=np.int64), k)
    spans = np.cumsum(rng.standard_exponential(len(who)))
    spans -= np.concatenate([[0.0], spans])[offsets][who]  # S_j within each customer
    last = np.zeros(n)
    has = k > 0
    last[has] = spans[offsets[has] + k[has] - 1]
    spans /= (last + rest)[who]
    repeat_time = start[who] + watched[who] * spans
    customer = np.concatenate([np.arange(n, dtype=np.int64), who])
    when = np.concatenate([start, repeat_time])
    del who, spans, repeat_time
    when = np.minimum(when, np.nextafter(WINDOW_DAYS, 0))
    order = np.argsort(when, kind="stable")
    return customer[order], when[order]


def write_log(path: Path, customer: np.ndarray, when: np.ndarray, seed: int) -> None:
    """transactions.csv in chunks of a million rows, each built with numpy string ufuncs."""
    rng = np.random.default_rng(seed + 1)
    days = np.array(
        [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(WINDOW_DAYS + 1)], dtype="U10"
    )
    cents_text = np.array([f".{c:02d}" for c in range(100)], dtype="U3")
    sigma = 0.5
    mu = np.log(30.0) - sigma * sigma / 2
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("customer,date,amount\n")
        for lo in range(0, len(customer), CHUNK):
            c = customer[lo : lo + CHUNK]
            d = days[np.floor(when[lo : lo + CHUNK]).astype(np.int64)]
            cents = np.maximum(np.rint(rng.lognormal(mu, sigma, len(c)) * 100), 1).astype(np.int64)
            amount = np.strings.add((cents // 100).astype("U12"), cents_text[cents % 100])
            ids = np.strings.add("C", (c + 1).astype("U12"))
            text = np.strings.add(np.strings.add(np.strings.add(ids, ","), d), ",")
            text = np.strings.add(text, amount)
            handle.write("\n".join(text.tolist()))
            handle.write("\n")


class RssSampler(threading.Thread):
    """Resident memory (MiB) of a process, every ``every`` seconds, from /proc."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        status = Path(f"/proc/{self.pid}/status")
        while not self.stop.is_set():
            try:
                text = status.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmRSS:"):
                    mib = int(line.split()[1]) / 1024
                    self.samples.append((round(time.perf_counter() - started, 1), round(mib, 1)))
            self.stop.wait(self.every)


def run_calibrate(scenario: Path, folder: Path, out: Path, timeout: float) -> dict[str, object]:
    """``truthsim calibrate`` in a fresh interpreter: wall, CPU, peak memory, its output."""
    command = [
        sys.executable,
        "-m",
        "truthsim",
        "calibrate",
        str(scenario),
        "--data",
        str(folder),
        "-o",
        str(out / "cal.yaml"),
        "--force",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(child.pid)
    sampler.start()
    timed_out = False
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate()
        timed_out = True
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # every sample, thinned to at most ~120 points for the json
    step = max(1, len(sampler.samples) // 120)
    return {
        "command": " ".join(command),
        "returncode": child.returncode,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "user_seconds": round(after.ru_utime - before.ru_utime, 2),
        "system_seconds": round(after.ru_stime - before.ru_stime, 2),
        "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
        "rss_samples_mib": sampler.samples[::step],
        "stdout": stdout,
        "stderr": stderr[-4000:],
    }


def compare(  # type: ignore[no-untyped-def]
    parameters: list[dict[str, object]], r: float, alpha: float, a: float, b: float, per_journey
):
    """The fitted values by path, and each beside its truth where the process has one (the
    value per journey: 30 a purchase times purchases per customer-day, as same-day purchases are
    one journey)."""
    truth = {
        "segments.everyone.baseline_return.churn_alpha": a,
        "segments.everyone.baseline_return.churn_beta": b,
        "segments.everyone.days_between_journeys.mean": alpha / r,
        "segments.everyone.days_between_journeys.rate_shape": r,
        "segments.everyone.value_per_journey": per_journey,
    }
    out = {}
    for p in parameters:
        path = str(p["path"])
        row = {k: p.get(k) for k in ("estimate", "low", "high", "source", "method")}
        if truth.get(path) is not None:
            row["truth"] = truth[path]
            row["inside_interval"] = bool(p["low"] <= truth[path] <= p["high"])  # type: ignore[operator]
        out[path] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Folder to keep the log and the output in.")
    parser.add_argument("--r", type=float, default=0.6)
    parser.add_argument("--alpha", type=float, default=3.5, help="Gamma rate of lambda (days).")
    parser.add_argument("--a", type=float, default=1.0)
    parser.add_argument("--b", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0, help="Kill calibrate after this.")
    parser.add_argument("--reuse", action="store_true", help="Reuse a log already in --keep.")
    parser.add_argument("--tag", default="", help="Added to the results file's name.")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="calibration_scale_"))
    data, out = work / "data", work / "out"
    data.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    scenario = work / "shop.yaml"
    scenario.write_text(SCENARIO)
    log = data / "transactions.csv"

    started = time.perf_counter()
    customer, when = mbgnbd_log(args.customers, args.r, args.alpha, args.a, args.b, args.seed)
    simulated = time.perf_counter() - started
    rows = len(customer)
    day = np.floor(when).astype(np.int64)
    journeys = len(np.unique(customer * (WINDOW_DAYS + 1) + day))
    del day
    if not (args.reuse and log.exists()):
        started = time.perf_counter()
        write_log(log, customer, when, args.seed)
        written = time.perf_counter() - started
    else:
        written = 0.0
    del customer, when
    print(
        f"log: {args.customers:,} customers, {rows:,} rows, {journeys:,} customer-days; "
        f"simulated in {simulated:.1f} s, written in {written:.1f} s "
        f"({log.stat().st_size / 2**20:.0f} MiB)",
        flush=True,
    )

    run = run_calibrate(scenario, data, out, args.timeout)
    print(run["stdout"])
    if run["returncode"] != 0:
        print(run["stderr"], file=sys.stderr)
    fitted: dict[str, object] = {}
    notes: list[str] = []
    calibration = out / "calibration.json"
    if run["returncode"] == 0 and calibration.exists():
        found = json.loads(calibration.read_text())
        per_journey = 30.0 * rows / journeys
        fitted = compare(found["parameters"], args.r, args.alpha, args.a, args.b, per_journey)
        notes = found.get("notes", [])
        here = "segments.everyone.days_between_journeys."
        est = {k.removeprefix(here): v["estimate"] for k, v in fitted.items() if k.startswith(here)}  # type: ignore[index]
        mean = est.get("mean", est.get("shape", math.nan) * est.get("scale", math.nan))
        fitted["mean_gap_days (an average customer's)"] = {
            "estimate": mean,
            "kind": found["diagnostics"].get(here + "kind"),
            "truth": args.alpha / args.r,
        }
    ok = run["returncode"] == 0
    results = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "target": "1,000,000 customers / 10,000,000 transactions in under 300 s and 4 GiB",
        "truth": {"r": args.r, "alpha": args.alpha, "a": args.a, "b": args.b, "seed": args.seed},
        "customers": args.customers,
        "rows": rows,
        "journeys_after_same_day_merge": journeys,
        "log_mib": round(log.stat().st_size / 2**20, 1),
        "simulate_seconds": round(simulated, 2),
        "write_seconds": round(written, 2),
        "calibrate": {k: v for k, v in run.items() if k != "stdout"},
        "within_time": ok and float(run["wall_seconds"]) < TARGET_SECONDS,  # type: ignore[arg-type]
        "within_memory": ok and float(run["peak_rss_mib"]) < TARGET_MIB,  # type: ignore[arg-type]
        "fitted": fitted,
        "notes": notes,
        "calibrate_output": run["stdout"],
    }
    RESULTS.mkdir(exist_ok=True)
    name = "calibration_scale.json"
    if args.customers != 1_000_000:
        name = f"calibration_scale_{args.customers}.json"
    if args.tag:
        name = name.replace(".json", f"_{args.tag}.json")
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n")
    summary = {k: v for k, v in results.items() if k not in ("calibrate", "calibrate_output")}
    summary["calibrate"] = {
        k: v for k, v in run.items() if k not in ("stdout", "stderr", "rss_samples_mib")
    }
    print(json.dumps(summary, indent=2))
    print(f"wrote {RESULTS / name}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
