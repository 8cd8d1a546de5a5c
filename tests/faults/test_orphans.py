"""1,000 orphans: a service double-forks a thousand processes that exit; each
is reparented to tend, which must reap every one and stay responsive."""
import os
import signal
import time

from conftest import wait_until
import faultlib

ORPHANS = 1000
# ( : & ) forks a subshell that forks `:` into the background and exits at
# once: the background job's parent is gone, so tend inherits it.
STORM = ("sh -c 'i=0; while [ $i -lt %d ]; do ( : & ); i=$((i+1)); done; "
         "echo orphans done; exec sleep 1000'" % ORPHANS)


def test_a_thousand_orphans_are_all_reaped(tend):
    ctl = faultlib.Ctl()
    try:
        t = tend(STORM, "sleep 999", env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        slowest = 0.0
        deadline = time.monotonic() + 120
        while not t.out.matching(r"orphans done$"):
            assert time.monotonic() < deadline, "the service did not make its orphans in 120 s"
            slowest = max(slowest, ctl.answers(within=3, what="tendctl status during the storm"))
            time.sleep(0.5)
        # Once the storm is over, nothing is left but the two sleeps.
        wait_until(lambda: not t.zombies(), timeout=5, what="no zombie under tend")
        wait_until(lambda: len(t.processes()) == 2, timeout=5,
                   what=f"only the services left (have {len(t.processes())})")
        assert not t.zombies()
        victim = faultlib.find(t, "sleep", "999")
        os.kill(victim, signal.SIGKILL)
        faultlib.restarted(t, victim, "sleep", "999", timeout=3)
        ctl.answers(within=1, what="tendctl status after the storm")
        assert t.proc.poll() is None
        print(f"slowest status during the storm: {slowest * 1000:.0f} ms")
    finally:
        ctl.close()
