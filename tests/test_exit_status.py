"""With services that stay down, tend exits with the last one's status."""
import time


def test_exit_code_of_last_service(tend):
    t = tend("--restart", "never", "sh -c 'exit 7'")
    assert t.wait() == 7
    t.err.wait_for(r"sh: exited with status 7 after .*; not restarting \(restart=never\)")


def test_signal_becomes_128_plus_n(tend):
    t = tend("--restart", "never", "sh -c 'kill -USR1 $$'")
    assert t.wait() == 128 + 10


def test_last_to_end_wins(tend):
    t = tend("--restart", "never", "sh -c 'exit 3'", "sh -c 'sleep 0.5; exit 4'")
    assert t.wait() == 4


def test_on_failure_restarts_failures_only(tend):
    t = tend("--restart", "on-failure", "sh -c 'sleep 0.2; exit 0'", "sh -c 'exit 5'")
    t.err.wait_for(r"sh-2: exited with status 5 .*restarting", count=2)
    t.err.wait_for(r"sh: exited with status 0 .*not restarting \(restart=on-failure\)")
    t.stop()


def test_restart_from_environment(tend):
    t = tend("sh -c 'exit 9'", env={"TEND_RESTART": "never"})
    assert t.wait() == 9


def test_leftover_processes_are_stopped_before_exit(tend):
    start = time.monotonic()
    t = tend("--restart", "never", "--grace", "5", "sh -c 'sleep 100 & exit 6'")
    assert t.wait() == 6
    assert time.monotonic() - start < 4  # sleep got SIGTERM, not the full grace
    t.err.wait_for(r"sh: exited with status 6 after .*; stopping the 1 process it left")
