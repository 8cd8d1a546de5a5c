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
            rec.na_rest(f"skipped in {ctx.mode} mode: {contestant.restart_note}")
            return
        key = self.metrics[0].key
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
                if notice is not None and len(self.metrics) > 1:
                    rec.add(self.metrics[1].key, notice)
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
    metrics = (Metric("daemon_restart_ms", "daemon restart latency", "ms"),
               Metric("daemon_notice_ms", "daemon death to the supervisor's next fork", "ms"))

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
            "supervisor's own processes after it: when the supervisor noticed and acted.")

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
