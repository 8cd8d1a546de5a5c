"""An idle tend makes no wakeups at all."""
import time

from conftest import status_field


def test_no_wakeups_when_idle(tend):
    t = tend(*["sleep 1000"] * 10)
    t.err.wait_for(r"sleep-10: started")
    time.sleep(0.5)
    before = int(status_field(t.host_pid, "voluntary_ctxt_switches")[0])
    time.sleep(3)
    after = int(status_field(t.host_pid, "voluntary_ctxt_switches")[0])
    assert after - before == 0, f"{after - before} wakeups in 3 s idle"
