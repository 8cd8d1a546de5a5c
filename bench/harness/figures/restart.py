"""Figures 1 and 2: restart latency after SIGKILL, for foreground and daemonizing services."""

import os
import random
import signal
import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure


def kill_and_time(box, service, ctx, timeout):
    """SIGKILL the service's process; return (ms from its death to the new
    process's exec, ms from its death to the supervisor's first fork after it
    or None, whether kernel timestamps were used)."""
    own = box.own_pids()
    old = box.instances(service)[0].pid
    killed_ns = time.monotonic_ns()
    os.kill(old, signal.SIGKILL)

    def newcomer(procs):
        return [p for p in box.instances(service, procs) if p.pid != old]

    new = box.wait_until(newcomer, timeout)
    found_ns = time.monotonic_ns()
    if not new:
        gone = procfs.proc(old)
        why = f"not restarted within {timeout:.0f} s"
        if gone is not None and gone.zombie:
            why += "; the killed process stays a zombie (never reaped)"
        if not box.alive():
            why += f"; PID 1 exited ({box.exit_words()})"
        raise Failure(why)
    ctx.events.caught_up()
    death = ctx.events.exit_of(old, timeout=0.2)
    birth = ctx.events.exec_ns(new[0].pid)
    if death and birth:
        forks = [ts for ts, parent, _ in ctx.events.forks_between(death[0], birth)
                 if parent in own]
        notice = (min(forks) - death[0]) / 1e6 if forks else None
        return (birth - death[0]) / 1e6, notice, True
    return (found_ns - killed_ns) / 1e6, None, False


class Restart(Figure):
    title = "Restart after SIGKILL, foreground service"
    metrics = (Metric("restart_ms", "restart latency", "ms"),)
    timed = metrics  # the latency metrics measure() fills

    def services(self, ctx):
        return ctx.workloads.sleepers(ctx.p.restart_services)

    def method(self, ctx):
        return (
            f"{ctx.p.restart_services} services run; one at a time, round-robin, the harness "
            "SIGKILLs a service's process and waits for a new process of the same name "
            "(each service is killed once when there are as many services as kills). "
            "Latency is the kernel's exit timestamp of the killed process to the exec "
            "timestamp of the new one (proc connector, CLOCK_MONOTONIC). A service is "
            f"killed only after it has run for {ctx.p.first_life:g} s, again only after "
            f"{ctx.p.min_life:g} s, so no peer's quick-death rule applies. A peer that polls "
            "on a period gets each kill at a random phase of it. No restart within the "
            "peer's timeout means n/a.")

    def measure(self, ctx, contestant, rec):
        kills = contestant.kills.get(ctx.mode, 0)
        if kills <= 0:
            for m in self.timed:
                rec.na(m.key, f"skipped in {ctx.mode} mode: {contestant.restart_note}")
            return
        key = self.timed[0].key
        services = self.services(ctx)
        with Box(ctx, contestant, services) as box:
            box.wait_running()
            self.check_keeps_one(ctx, box, services)
            # When each service may be killed: a first death only after it has run
            # first_life (runit, supervisord and s6 treat shorter runs as failed starts),
            # a second one only after min_life (tend's backoff counts deaths within
            # 10 s of a start as quick ones).
            ready = {s.name: time.monotonic() + ctx.p.first_life for s in services}
            timeout = contestant.restart_timeout
            if ctx.mode == "quick":
                timeout = min(timeout, 2.0)
            exact = True
            for k in range(kills):
                service = services[k % len(services)]
                wait = max(ready[service.name] - time.monotonic(), ctx.p.kill_gap)
                if contestant.poll_period:
                    wait = max(wait, random.uniform(0, contestant.poll_period))
                time.sleep(wait)
                try:
                    ms, notice, kernel = kill_and_time(box, service, ctx, timeout)
                except Failure as e:
                    if not rec.samples[key]:
                        raise
                    rec.note(f"stopped after {k} kills: {e}")
                    break
                exact &= kernel
                ready[service.name] = time.monotonic() + ctx.p.min_life
                rec.add(key, ms)
                if notice is not None and len(self.timed) > 1:
                    rec.add(self.timed[1].key, notice)
            rec.note(f"{len(rec.samples[key])} kills")
            if not exact:
                rec.note("some times from the harness's polling clock (no kernel event)")
            if contestant.restart_note:
                rec.note(contestant.restart_note)
            self.check_copies(ctx, box, services, rec)

    def check_keeps_one(self, ctx, box, services):
        pass

    def check_copies(self, ctx, box, services, rec):
        pass


class DaemonRestart(Restart):
    title = "Restart after SIGKILL, daemonizing service"
    timed = (Metric("daemon_restart_ms", "daemon restart latency", "ms"),
             Metric("daemon_notice_ms", "daemon death to the supervisor's next fork", "ms"))
    renamed = Metric("renamed_kept", "daemons kept whose name differs from their command",
                     "% of services", "higher", digits=0)
    metrics = (*timed, renamed)

    def services(self, ctx):
        return ctx.workloads.daemons(ctx.p.daemon_services)

    def method(self, ctx):
        return (
            f"{ctx.p.daemon_services} services, each an init-script-like command "
            "(`init.d/dmnNN`: `setsid -f sbin/dmnNN ...; exit 0`) that leaves a daemon named "
            "like the service. First the harness watches for "
            f"{ctx.p.daemon_watch:g} s: a contestant that does not keep exactly one daemon "
            "per service is n/a (it cannot keep one alive). Then as figure 1, killing the "
            "daemon and timing its death to the exec of the next daemon (which includes "
            "running the init script again), and its death to the first fork by one of the "
            "supervisor's own processes after it: when the supervisor noticed and acted. "
            "The last row (daemons kept whose name differs from their command) uses other "
            f"services: {ctx.p.daemon_services} init scripts `init.d/startNN` (`echo startNN "
            ">> RUNS; setsid -f sbin/renamedNN ...; exit 0`, renamedNN a symlink to sleep). "
            "Each contestant gets them as a user would write them, with nothing more: the "
            "command is the script and the service's name its basename, startNN (monit's "
            "`matching` pattern and cfengine's `processes:` promise look for startNN, as their "
            "set-up derives from the command); no contestant is told the name renamedNN, and "
            "there is no pidfile. The harness waits until each service has a renamedNN "
            f"process (at most {ctx.p.renamed_start:g} s, or until PID 1 exits), then "
            f"{ctx.p.daemon_watch:g} s plus the contestant's polling period (cfengine: 60 s, "
            "so that it has looked again), and counts per service the live renamedNN "
            "processes running sleep (from /proc) and the script's runs (each run appends a "
            "line to RUNS, a file in the work folder). A service passes if exactly one daemon "
            "runs and its script ran exactly once. The harness then SIGKILLs the daemon of "
            "each passing service (all at once), waits until each has a new one or the "
            "contestant's restart timeout has passed (at most 2 s in quick mode), waits as "
            "long as the first watch again, and counts again: a service is kept if exactly "
            "one renamedNN runs and it is not the killed one. The cell is the share of the "
            f"{ctx.p.daemon_services} services kept, in percent; the notes give the counts. "
            "A contestant that polls once a minute is skipped in quick mode, as above.")

    def measure(self, ctx, contestant, rec):
        try:
            super().measure(ctx, contestant, rec)
        except Failure as e:
            for m in self.timed:
                rec.na(m.key, str(e))
        self.measure_renamed(ctx, contestant, rec)

    def measure_renamed(self, ctx, contestant, rec):
        """The renamed_kept row: daemons whose name differs from their command."""
        key = self.renamed.key
        if contestant.kills.get(ctx.mode, 0) <= 0:
            rec.na(key, f"skipped in {ctx.mode} mode: {contestant.restart_note}")
            return
        count = ctx.p.daemon_services
        runs = ctx.new_path("renamed-runs")
        pairs = ctx.workloads.renamed_daemons(count, runs)
        services = [s for s, _ in pairs]
        watch = ctx.p.daemon_watch + contestant.poll_period

        def daemons(procs):
            """{service name: pids of its live daemons (renamedNN running sleep)}."""
            return {s.name: [p.pid for p in procs if p.comm == renamed and not p.zombie
                             and procfs.exe(p.pid) == ctx.workloads.daemon_exe]
                    for s, renamed in pairs}

        def script_runs():
            lines = runs.read_text().split() if runs.exists() else []
            return {s.name: lines.count(s.name) for s in services}

        def spread(values):
            lo, hi = min(values), max(values)
            return str(lo) if lo == hi else f"{lo} to {hi}"

        with Box(ctx, contestant, services) as box:
            up = box.wait_until(lambda procs: not box.alive() or all(daemons(procs).values()),
                                ctx.p.renamed_start)
            seen = "" if up else (f"not every service had a daemon within "
                                  f"{ctx.p.renamed_start:g} s; ")
            time.sleep(watch)
            found, ran = daemons(box.procs()), script_runs()
            passed = {name: pids[0] for name, pids in found.items()
                      if len(pids) == 1 and ran[name] == 1}
            seen += (f"{watch:g} s later, daemons per service "
                     f"{spread([len(v) for v in found.values()])}, script runs "
                     f"{spread(list(ran.values()))}")
            if not box.alive():
                seen += f"; PID 1 exited ({box.exit_words()})"
            kept = set()
            if passed:
                for pid in passed.values():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                timeout = contestant.restart_timeout
                if ctx.mode == "quick":
                    timeout = min(timeout, 2.0)

                def all_back(procs):
                    now = daemons(procs)
                    return all(any(p != old for p in now[name]) for name, old in passed.items())

                box.wait_until(all_back, timeout)
                time.sleep(watch)
                found, ran = daemons(box.procs()), script_runs()
                kept = {name for name, old in passed.items()
                        if len(found[name]) == 1 and found[name][0] != old}
                seen += (f"; {len(passed)} passed and had their daemon killed; "
                         f"{watch:g} s after the restarts (or the timeout), daemons per service "
                         f"{spread([len(found[n]) for n in passed])}, script runs "
                         f"{spread([ran[n] for n in passed])}")
                if not box.alive():
                    seen += f"; PID 1 exited ({box.exit_words()})"
        rec.add(key, 100 * len(kept) / count)
        rec.note(f"renamed: {len(kept)} of {count} kept ({seen})")

    def check_keeps_one(self, ctx, box, services):
        time.sleep(ctx.p.daemon_watch)
        if not box.alive():
            raise Failure(f"cannot keep one: PID 1 exited ({box.exit_words()}) once the "
                          "command returned")
        procs = box.procs()
        counts = [len(box.instances(s, procs)) for s in services]
        if any(c != 1 for c in counts):
            raise Failure(f"cannot keep one: {sum(counts)} daemons for {len(services)} "
                          f"services after {ctx.p.daemon_watch:g} s (counts {min(counts)} "
                          f"to {max(counts)})")

    def check_copies(self, ctx, box, services, rec):
        time.sleep(1)
        procs = box.procs()
        extra = sum(max(0, len(box.instances(s, procs)) - 1) for s in services)
        if extra:
            rec.note(f"{extra} extra daemon copies after the kills")
