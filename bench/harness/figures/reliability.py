"""Figure 12: what tend does when users and the world break things (issue 12),
each fault case of tests/faults/ run once in a bounded form and measured."""

import sys
import time
import traceback

from .. import faults
from ..box import Failure
from ..record import Metric
from . import Figure


class Reliability(Figure):
    title = "Reliability under faults"
    metrics = tuple(Metric(key, label, "", "") for key, label, _ in faults.CASES)

    def method(self, ctx):
        p = ctx.p
        return (
            "tend only (the cases use its own settings and tendctl); each case starts tend as "
            "PID 1 of fresh namespaces, breaks one thing and says what tend did, measured from "
            "/proc (CPU: utime+stime of tend alone over a quiet window of "
            f"{p.fault_window:g} s; fds: /proc/PID/fd; RssAnon: /proc/PID/status) and from its "
            "log. The cases, in the order of the table: services that exit at once with "
            f"backoff 0, restarted for {p.fault_crash_s:g} s after 100 warm-up restarts (fds "
            "and RssAnon before/after); a command that cannot be executed, backoff 0 (does "
            f"tendctl still answer, does SIGTERM end tend); a service making {p.fault_orphans} "
            "orphans with `( : & )` (zombies left, slowest tendctl status meanwhile); a pids "
            "cgroup holding tend at pids.max 1 while a service is killed (failed forks, CPU, "
            f"time to restart once lifted; n/a without a writable pids cgroup); a "
            f"{p.fault_line_mb} MB line without newline (bytes lost, pieces, RssAnon peak); "
            "services that close stdout, or both streams, and go on (CPU); "
            f"{p.fault_clients} control connections at once, each asking status (answered, "
            f"fds back); {p.fault_slow} HTTP and {p.fault_slow} control clients sending a "
            "partial request (a fresh client's answer time, the HTTP ones dropped by the 5 s "
            "head deadline; the control socket's 60 s idle drop is tested in tests/faults "
            "only); SIGTERM while 50 of 100 services wait for a 2 s oneshot (exit, who got "
            "SIGTERM). Then issue 12's defects, by number: tend's stdout a pipe with no "
            "reader (#1), 200 control clients against RLIMIT_NOFILE 64 (#4), "
            f"{p.fault_reloads} alternating SIGHUP reloads of a,b,c / a,d,e after 10 warm-up "
            "ones (#3), SIGTERM with stdout a FIFO nobody reads (#7) and with a SIGSTOPped "
            "service (#9), `--control` naming a regular file and a second tend on a running "
            "one's socket (#10), `tendctl logs -n 20000` of 30,000 lines (#11), a reload from "
            "3 to 101 services under RLIMIT_NOFILE 200 (#12).")

    def measure(self, ctx, contestant, rec):
        if contestant.name != "tend":
            raise Failure("not run: the fault cases use tend's own settings and tendctl")
        errors, times = [], []
        for key, _, case in faults.CASES:
            work = ctx.new_workdir(f"fault-{key}")
            began = time.monotonic()
            try:
                rec.set(key, case(ctx, work))
            except Failure as e:
                rec.na(key, str(e))
            except Exception as e:  # a bug in the case: the others still run
                traceback.print_exc(file=sys.stderr)
                rec.na(key, f"harness error: {e!r}")
                errors.append(key)
            times.append(f"{key} {time.monotonic() - began:.1f} s")
        rec.note("times: " + ", ".join(times))
        if errors:
            raise RuntimeError(f"fault cases failed to run: {', '.join(errors)}")
