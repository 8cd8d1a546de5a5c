"""A foreground service that dies is started again, at once the first time."""
import os
import signal

from conftest import proc_stat, wait_until


def test_restart_after_sigkill(tend):
    t = tend("sleep 1000", "/bin/sh -c 'exec sleep 2000'")
    t.err.wait_for(r"^tend: sleep: started \(pid \d+\)$")
    first = t.service_pid("sleep")
    os.kill(first, signal.SIGKILL)
    t.err.wait_for(r"^tend: sleep: killed by SIGKILL after .*; restarting now$")
    t.err.wait_for(r"^tend: sleep: started", count=2)
    second = wait_until(lambda: [p for p in t.processes()
                                 if p != first and (proc_stat(p) or ("", ""))[1] == "sleep"
                                 and "1000" in open(f"/proc/{p}/cmdline").read()],
                        what="a new sleep 1000")
    assert second


def test_repeated_quick_deaths_back_off(tend):
    t = tend("sh -c 'exit 1'")
    t.err.wait_for(r"sh: exited with status 1 after .*; restarting now")
    t.err.wait_for(r"sh: exited with status 1 after .*; restarting in 100ms")
    t.err.wait_for(r"sh: exited with status 1 after .*; restarting in 200ms")
    t.err.wait_for(r"sh: exited with status 1 after .*; restarting in 400ms")
    # The doubling is real time: 100+200 ms passed between the 2nd and 4th start.
    assert len(t.err.matching(r"sh: started")) <= 5


def test_clean_exit_is_restarted_under_always(tend):
    t = tend("sh -c 'echo run; sleep 0.1'")
    t.out.wait_for(r"^sh \| run$", count=2)


def test_services_start_in_the_order_given(tend):
    t = tend("sleep 1000", "sh -c 'sleep 999'", "sleep 998", "/bin/sh -c 'exec sleep 997'")
    lines = t.err.wait_for(r"started \(pid", count=4)
    assert [l.split(":")[1].strip() for l in lines] == ["sleep", "sh", "sleep-2", "sh-2"]
