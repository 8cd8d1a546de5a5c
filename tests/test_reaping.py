"""Orphans that exit are reaped: no zombie survives, as PID 1 or as subreaper."""

from conftest import wait_until

ORPHANS = "sh -c 'for i in $(seq 200); do (sleep 0.01 &) ; done; echo spawned; sleep 1000'"


def test_orphans_reaped_as_pid1(tend):
    t = tend(ORPHANS)
    t.out.wait_for(r"spawned")
    wait_until(lambda: not t.zombies() and len(t.processes()) == 2, timeout=10,
               what="orphans reaped")


def test_orphans_reaped_as_subreaper(tend):
    t = tend(ORPHANS, pid1=False)
    t.out.wait_for(r"spawned")
    wait_until(lambda: not t.zombies() and len(t.processes()) == 2, timeout=10,
               what="orphans reaped")


def test_orphan_storm_leaves_tend_responsive(tend):
    storm = "sh -c 'i=0; while [ $i -lt 2000 ]; do (:&); i=$((i+1)); done; echo done; sleep 1000'"
    t = tend(storm, "sleep 1000")
    t.out.wait_for(r"done", timeout=60)
    wait_until(lambda: not t.zombies(), timeout=10, what="no zombies")
    assert t.proc.poll() is None
