"""The control socket's path and its biggest replies: a path that is a
regular file, two tends on one path, `logs -n` beyond the ring."""
import os
import re
import signal
import time

from conftest import wait_until
import faultlib


def test_control_path_that_is_a_regular_file_is_left_alone(tend, tmp_path):
    """Issue 12, defect 10 (first half): `--control precious.txt` must not
    delete the file; tend refuses that socket with a clear error (or refuses
    to start)."""
    precious = tmp_path / "precious.txt"
    precious.write_text("do not delete\n")
    t = tend("--control", str(precious), "sleep 1000")
    time.sleep(1)
    problems = []
    if not precious.is_file() or precious.read_text() != "do not delete\n":
        problems.append("precious.txt was replaced while tend ran")
    if t.proc.poll() is None:
        t.signal(signal.SIGTERM)
        t.wait(timeout=15)
    if not precious.exists():
        problems.append("precious.txt is gone after tend exited")
    if not t.err.matching(r"precious\.txt"):
        problems.append("tend said nothing about precious.txt: " + " / ".join(t.err.lines[:3]))
    assert not problems, "; ".join(problems)


def test_second_tend_on_the_same_socket_leaves_the_first_ones(tend):
    """Issue 12, defect 10 (second half): a second tend given the socket path
    of a running one must not take it over, nor remove it when it exits."""
    ctl = faultlib.Ctl()
    try:
        first = tend("sleep 1000", env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        assert set(ctl.status()) == {"sleep"}
        second = tend("tail -f /dev/null", env={"TEND_CONTROL": ctl.sock})
        # It may refuse to start at all; else it runs without that socket.
        wait_until(lambda: second.err.matching(r"tail: started") or second.proc.poll() is not None,
                   what="the second tend started or gone")
        time.sleep(0.3)
        problems = []
        names = set(ctl.status())
        if names != {"sleep"}:
            problems.append(f"while both run, tendctl reaches the second tend ({names})")
        if second.proc.poll() is None:
            second.signal(signal.SIGTERM)
        second.wait(timeout=15)
        r = ctl("status")
        if r.returncode != 0:
            problems.append(f"after the second exited, tendctl fails: {r.stderr.strip()}")
        assert not problems, "; ".join(problems)
        assert first.proc.poll() is None
    finally:
        ctl.close()


LINES = 30000
ASKED = 20000


def test_logs_n_beyond_the_ring_is_all_or_says_so(tend):
    """Issue 12, defect 11: `tendctl logs -n 20000` of a service that printed
    30,000 lines: either the last 20,000 lines come out, or tendctl says
    clearly that fewer are kept; never a silent short answer or a failure."""
    ctl = faultlib.Ctl()
    try:
        t = tend(f"sh -c 'seq -f \"line %05g\" 1 {LINES}; exec sleep 1000'",
                 env={"TEND_CONTROL": ctl.sock})
        t.out.wait_for(rf"line {LINES}$", timeout=30)
        r = ctl("logs", "sh", "-n", str(ASKED), timeout=30)
        capped = r"(?i)\b(cap|capped|kept|keeps|only|limit|at most|maximum)\b|\d"
        if r.returncode != 0:  # a refusal is fine when it says why
            assert re.search(capped, r.stderr), (
                f"tendctl logs failed ({r.returncode}) without saying why: {r.stderr.strip()[:300]}")
            return
        got = r.stdout.splitlines()
        nums = [int(l.rsplit(" ", 1)[1]) for l in got if l.startswith("line ")]
        assert nums and nums[-1] == LINES and nums == list(range(nums[0], LINES + 1)), (
            f"not the last lines in order: {got[:2]} ... {got[-2:]}")
        if len(nums) < ASKED:
            said = r.stderr.strip()
            assert re.search(capped, said), (
                f"{len(nums)} of {ASKED} lines and no word about it (stderr {said!r})")
    finally:
        ctl.close()
