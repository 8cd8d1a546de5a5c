"""SIGTERM to tend: every service gets SIGTERM, stragglers SIGKILL after the grace."""
import signal
import time

TRAP = "sh -c 'trap \"echo got TERM; exit 0\" TERM; echo ready; while :; do sleep 0.05; done'"
DEAF = "sh -c 'trap \"echo ignoring TERM\" TERM; echo ready; while :; do sleep 0.05; done'"


def test_graceful_shutdown_delivers_sigterm_and_exits_0(tend):
    t = tend("--grace", "5", TRAP, TRAP, "sleep 1000")
    t.out.wait_for(r"\| ready$", count=2)
    t.err.wait_for(r"sleep: started")
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    assert time.monotonic() - start < 3
    assert len(t.out.matching(r"^sh(-2)? +\| got TERM$")) == 2
    t.err.wait_for(r"sleep: killed by SIGTERM after .* \(stopped\)")
    t.err.wait_for(r"exiting with status 0")


def test_service_ignoring_sigterm_is_killed_after_grace(tend):
    t = tend("--grace", "1", DEAF, "sleep 1000")
    t.out.wait_for(r"\| ready$")
    t.err.wait_for(r"sleep: started")
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    rc = t.wait()
    took = time.monotonic() - start
    assert 0.9 < took < 4, took
    assert rc == 128 + signal.SIGKILL  # the first failure's status
    t.out.wait_for(r"ignoring TERM")
    t.err.wait_for(r"grace of 1.0s is over; sending SIGKILL")


def test_second_sigterm_kills_at_once(tend):
    t = tend("--grace", "30", DEAF)
    t.out.wait_for(r"\| ready$")
    t.signal(signal.SIGTERM)
    t.out.wait_for(r"ignoring TERM")
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    assert t.wait() == 128 + signal.SIGKILL
    assert time.monotonic() - start < 3


def test_sigint_and_sigquit_also_shut_down(tend):
    for sig in (signal.SIGINT, signal.SIGQUIT):
        t = tend(TRAP)
        t.out.wait_for(r"\| ready$")
        t.signal(sig)
        assert t.wait() == 0
        t.out.wait_for(r"got TERM")


def test_nothing_left_behind(tend):
    t = tend("--grace", "1", "sh -c 'sleep 100 & sleep 100 & (trap \"\" TERM; sleep 100) & wait'")
    t.err.wait_for(r"sh: started")
    time.sleep(0.3)
    assert len(t.processes()) >= 4
    t.signal(signal.SIGTERM)
    t.wait()
    assert t.processes() == []
