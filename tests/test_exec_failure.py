"""A command that cannot be executed is retried with backoff; others run on."""
import signal


def test_missing_executable_does_not_disturb_others(tend):
    t = tend("/nonexistent/app --flag", "sh -c 'echo alive; sleep 1000'", "/etc/passwd")
    t.out.wait_for(r"^sh +\| alive$")
    t.err.wait_for(r"app: cannot execute /nonexistent/app: No such file or directory")
    t.err.wait_for(r"passwd: cannot execute /etc/passwd: Permission denied")
    t.err.wait_for(r"app: exited with status 127 after .*; restarting in 100ms")
    t.err.wait_for(r"app: exited with status 127 after .*; restarting in 200ms")
    assert len(t.err.matching(r"sh: started")) == 1
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
