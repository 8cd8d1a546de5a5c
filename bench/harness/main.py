"""bench/run: install the peers, run every figure for every contestant, write results."""

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import events, install, merge, report
from .box import Failure
from .figures import all_figures
from .figures.output import Output
from .record import Record
from .workloads import Workloads

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent


@dataclass(frozen=True)
class Params:
    """The counts and durations of one mode."""
    restart_services: int = 50
    daemon_services: int = 50
    daemon_watch: float = 5.0   # s to watch for daemon copies before killing
    renamed_start: float = 60.0  # s figure 2's last row waits for each daemon to appear
    first_life: float = 1.5     # s a service runs before it is first killed
    min_life: float = 10.5      # s a restarted service runs before it is killed again
    kill_gap: float = 0.2       # s between restart and next kill, at least
    settle: float = 2.0         # s after all services run, before measuring
    memory_counts: tuple = (1, 10, 100)
    memory_samples: int = 5
    idle_services: int = 100
    idle_windows: int = 6
    idle_window: float = 10.0
    startup_services: int = 100
    startup_runs: int = 5
    writers: int = 2
    output_warmup: float = 1.0
    output_windows: int = 3
    output_window: float = 3.0
    orphans: int = 10000
    reap_runs: int = 3
    reap_timeout: float = 20.0
    shutdown_services: int = 10
    shutdown_runs: int = 3
    grace: float = 10.0         # docker stop's default
    hang_services: int = 5
    scrape_services: int = 10
    scrape_requests: int = 200
    scrape_rounds: int = 5
    fault_window: float = 2.0   # s of a quiet window whose CPU is measured
    fault_crash_s: float = 30.0
    fault_orphans: int = 1000
    fault_line_mb: int = 500
    fault_clients: int = 1000
    fault_slow: int = 100
    fault_reloads: int = 500
    syslog_senders: int = 20
    syslog_messages: int = 5000   # per sender
    syslog_rounds: int = 5
    syslog_flood: int = 100000    # from one sender
    listen_kills: int = 50        # figure 14: SIGKILLs of the server, per set-up
    scale_services: int = 1000    # figure 15
    scale_kills: int = 10
    scale_idle_window: float = 10.0


MODES = {
    "full": Params(),
    "quick": Params(restart_services=3, daemon_services=3, daemon_watch=1.5, first_life=1.1,
                    kill_gap=0.1, settle=0.5, memory_counts=(10,), memory_samples=2,
                    idle_services=10, idle_windows=1, idle_window=1.0, startup_services=10,
                    startup_runs=1, output_warmup=0.5, output_windows=1, output_window=1.0,
                    orphans=100, reap_runs=1, reap_timeout=3.0, shutdown_services=3,
                    shutdown_runs=1, grace=3.0, hang_services=3, scrape_requests=50,
                    scrape_rounds=2, fault_window=1.0, fault_crash_s=4.0, fault_orphans=200,
                    fault_line_mb=50, fault_clients=200, fault_slow=20, fault_reloads=40,
                    renamed_start=5.0, syslog_senders=10, syslog_messages=1000,
                    syslog_rounds=1, syslog_flood=20000, listen_kills=3,
                    scale_services=50, scale_kills=2, scale_idle_window=1.0),
}


class Ctx:
    """What every figure needs: the mode, its params, the event log, the workloads."""

    def __init__(self, mode, tend, keep):
        self.mode, self.p = mode, MODES[mode]
        self.tend, self.tend_build_error = str(tend), ""
        self.start_timeout = 60.0
        self.poll_interval = 0.02  # detection only: times come from kernel events
        self.events = events.EventLog()
        self.root = Path(tempfile.mkdtemp(prefix="tend-bench-"))
        self.keep = keep
        self.workloads = Workloads(self.root)
        self._serial = itertools.count(1)

    def new_workdir(self, name):
        path = self.root / f"{name}-{next(self._serial)}"
        path.mkdir()
        return path

    def new_path(self, name):
        return self.root / f"{name}-{next(self._serial)}"

    def close(self):
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def log(text):
    print(f"bench {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def build_tend(ctx, mode):
    """Full runs rebuild tend (incrementally); quick runs build only if it is missing."""
    if mode == "quick" and os.access(ctx.tend, os.X_OK):
        return
    if ctx.tend != str(REPO / "build/release/tend"):
        return
    steps = [] if (REPO / "build/release/CMakeCache.txt").exists() else \
        [["cmake", "--preset", "release"]]
    steps.append(["cmake", "--build", "build/release", "-j2"])
    for step in steps:
        log("tend: " + " ".join(step))
        out = subprocess.run(step, cwd=REPO, capture_output=True, text=True)
        if out.returncode != 0:
            lines = (out.stdout + out.stderr).strip().splitlines()
            ctx.tend_build_error = f"`{' '.join(step)}` failed: {lines[-1] if lines else ''}"
            log(ctx.tend_build_error)
            return


def run_contestant(ctx, contestant, figures, results, reason):
    """Every figure for one contestant (or n/a for the reason it cannot run);
    returns the number of harness errors."""
    errors = 0
    for figure in figures:
        if contestant.syslog_only and not figure.syslog:
            continue  # a syslog daemon, not a supervisor: its cells stay blank
        rec = Record(figure.metrics)
        results[figure.number][contestant.name] = rec
        if reason:
            rec.na_rest(reason)
            continue
        log(f"{contestant.name}: figure {figure.number} ({figure.title})")
        started = time.monotonic()
        try:
            figure.measure(ctx, contestant, rec)
        except Failure as e:
            rec.na_rest(str(e))
        except Exception as e:  # a bug in the harness or a contestant file
            errors += 1
            traceback.print_exc()
            rec.na_rest(f"harness error: {e!r}")
        rec.seconds = time.monotonic() - started
        log(f"{contestant.name}: figure {figure.number}: {rec.summary()}")
    return errors


def main(argv):
    from contestants import load, names

    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="small counts, about 3.5 minutes; writes to a temporary folder")
    ap.add_argument("--out", help="folder for results.md and results.json "
                    "(default: bench/ for a full run, a temporary folder for --quick)")
    ap.add_argument("--only", help="comma-separated contestants (default: all): "
                    + ",".join(names()))
    ap.add_argument("--figures", help="comma-separated figure numbers (default: all)")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get the peers")
    ap.add_argument("--tend", default=str(REPO / "build/release/tend"), help="tend binary")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--merge-into", metavar="JSON",
                    help="merge the figures measured into this results.json (an earlier "
                    "full run) and rewrite it and results.md beside it")
    ap.add_argument("--render", metavar="JSON",
                    help="only rewrite results.md beside this results.json (no measuring)")
    args = ap.parse_args(argv)
    if args.render:
        report.rerender(Path(args.render))
        return 0
    if os.geteuid() != 0:
        print("bench/run needs root (PID namespaces, proc connector)", file=sys.stderr)
        return 2
    mode = "quick" if args.quick else "full"
    contestants = load(args.only.split(",") if args.only else None)
    figures = all_figures()
    if args.figures:
        wanted = {int(n) for n in args.figures.split(",")}
        figures = [f for f in figures if f.number in wanted]

    ctx = Ctx(mode, args.tend, args.keep)
    if not ctx.events.available:
        log(f"no kernel timestamps: {ctx.events.reason}; falling back to polling")
    install_failures = {}
    if not args.no_install:
        install_failures = install.install(
            sorted({p for c in contestants for p in (*c.packages, *c.syslog_packages)}), log)
    if any(c.name == "tend" for c in contestants):
        build_tend(ctx, mode)
    started = time.time()
    results = {f.number: {} for f in figures}
    errors = 0
    observed = {}  # contestant name -> sentences from its checks()
    try:
        for contestant in contestants:
            broken = [install_failures[p] for p in contestant.packages if p in install_failures]
            reason = broken[0] if broken else contestant.unavailable(ctx)
            errors += run_contestant(ctx, contestant, figures, results, reason)
            if mode == "full" and not args.figures and not reason:
                try:
                    observed[contestant.name] = contestant.checks(ctx)
                except Exception as e:
                    errors += 1
                    observed[contestant.name] = [f"check failed: {e!r}"]
        reference = None
        output = next((f for f in figures if isinstance(f, Output)), None)
        if output:
            reference = Record(output.metrics)
            log("reference: yes | cat")
            output.reference(ctx, reference)
    finally:
        ctx.close()
    out = Path(args.out) if args.out else (
        Path(tempfile.mkdtemp(prefix="tend-bench-quick-")) if args.quick else BENCH)
    out.mkdir(parents=True, exist_ok=True)
    command = "bench/run" + (" " + " ".join(argv) if argv else "")
    doc = report.build(command, mode, ctx, contestants, figures, results,
                       reference, observed, time.time() - started)
    if args.merge_into:
        out = Path(args.merge_into).parent
        doc = merge.merge_into(Path(args.merge_into), doc, report.targets)
    report.write(out, doc)
    log(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    runs = sum(len(per) for per in results.values())
    print(f"bench: {runs - errors} passed, {errors} failed")
    return 1 if errors else 0
