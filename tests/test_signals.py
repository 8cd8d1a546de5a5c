"""SIGUSR1, SIGUSR2, SIGWINCH and SIGHUP reach every service."""
import signal

NAMES = ["USR1", "USR2", "WINCH", "HUP"]
CATCH = ("sh -c '" + " ".join(f"trap \"echo got {n}\" {n};" for n in NAMES) +
         " echo ready; while :; do sleep 0.05; done'")


def test_forwarded_signals_reach_every_service(tend):
    t = tend(CATCH, CATCH, CATCH)
    t.out.wait_for(r"\| ready$", count=3)
    for n in NAMES:
        t.signal(getattr(signal, "SIG" + n))
        hits = t.out.wait_for(rf"\| got {n}$", count=3)
        assert sorted(h.split()[0] for h in hits) == ["sh", "sh-2", "sh-3"]
    assert len(t.out.matching(r"\| ready$")) == 3  # nobody died of them
    assert t.proc.poll() is None
