"""Start-first restarts (issue 16) against what breaks them: hundreds of
replacements in a row, restart requests piling up while a new instance
starts, SIGKILLs of either instance at any moment, and tend's own SIGTERM
while both run. The invariants: one instance serves at the end and
answers; nothing refused; no process or zombie left; tend's fds and
RssAnon back where they were (a replacement uses a second slot, then frees
it)."""
import json
import os
import random
import re
import signal
import socket
import time

from conftest import proc_stat, wait_until
import faultlib

RESTARTS = 100
STORM = 40

# Ready (READY=1) after STARTUP seconds; answers each client with its pid;
# on SIGTERM it finishes the client it has and exits.
SERVER = """
import os, select, signal, socket, time
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
listener = socket.socket(fileno=3)
time.sleep(float(os.environ.get("STARTUP", "0.02")))
path = os.environ["NOTIFY_SOCKET"]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.sendto(b"READY=1", "\\0" + path[1:] if path.startswith("@") else path)
while not stopping:
    if select.select([listener], [], [], 0.05)[0]:
        c, _ = listener.accept()
        c.sendall(("pid %d\\n" % os.getpid()).encode())
        c.close()
print("drained", flush=True)
"""


def start(tend, ctl, tmp_path, startup="0.02"):
    port = faultlib.free_tcp_port()
    cfg = faultlib.write_config(tmp_path / "tend.toml", {"srv": f"""
command = ["/usr/bin/python3", "-c", '''{SERVER}''']
listen = ["tcp://127.0.0.1:{port}"]
notify = "systemd"
start_timeout = "3s"
backoff_initial = "10ms"
backoff_max = "50ms"
start_limit = 0
env = {{ STARTUP = "{startup}" }}
"""})
    t = tend("--config", cfg, env={"TEND_CONTROL": ctl.sock})
    t.err.wait_for(r"srv: ready \(READY=1\)")
    return t, port


def answer(port):
    with socket.create_connection(("127.0.0.1", port), timeout=3) as c:
        return c.recv(100).decode()


def servers(t):
    return [p for p in t.processes() if (proc_stat(p) or ("Z", ""))[0] != "Z"
            and (proc_stat(p) or ("", ""))[1] == "python3"]


def status(ctl):
    r = ctl("--json", "status", "srv")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["services"][0]


def settled(t, ctl, port):
    """One instance runs, is ready and answers; nothing else is left."""
    wait_until(lambda: len(servers(t)) == 1 and status(ctl)["ready"], timeout=15,
               what=f"one ready instance (have {servers(t)})")
    assert answer(port).startswith("pid ")
    assert faultlib.zombies_under(t) == []


def test_a_hundred_replacements_leave_no_fd_or_memory_behind(tend, ctl, tmp_path):
    t, port = start(tend, ctl, tmp_path)
    done = 0

    def replace(times):
        nonlocal done
        for _ in range(times):
            assert ctl("restart", "srv").returncode == 0
            done += 1
            t.err.wait_for(r"srv: the new instance \(pid \d+\) is ready", count=done, timeout=20)
            t.out.wait_for(r"srv \| drained", count=done, timeout=20)

    replace(10)  # warm-up: the second slot's buffers exist from here on
    baseline, rss = faultlib.fd_count(t.host_pid), faultlib.rss_anon_kib(t.host_pid)
    replace(RESTARTS)
    settled(t, ctl, port)
    faultlib.assert_fds_back(t.host_pid, baseline, f"after {RESTARTS} replacements", margin=2)
    grown = faultlib.rss_anon_kib(t.host_pid) - rss
    print(f"{RESTARTS} replacements: fds {baseline} -> {faultlib.fd_count(t.host_pid)}, "
          f"RssAnon +{grown} KiB")
    assert grown < faultlib.RSS_MARGIN_KIB, grown
    assert status(ctl)["restarts"] == RESTARTS + 10


def test_restart_requests_and_sigkills_at_any_moment(tend, ctl, tmp_path):
    """Requests pile up while a new instance starts, and a SIGKILL hits
    the old or the new one at random moments: tend never runs more than two
    instances, and settles on one that answers, with no refusal meanwhile."""
    t, port = start(tend, ctl, tmp_path, startup="0.1")
    rng = random.Random(16)
    refused, most = 0, 0
    for _ in range(STORM):
        for _ in range(rng.randint(1, 3)):
            assert ctl("restart", "srv").returncode == 0
        time.sleep(rng.uniform(0, 0.15))
        alive = servers(t)
        most = max(most, len(alive))
        if alive and rng.random() < 0.6:
            try:
                os.kill(rng.choice(alive), signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            answer(port)
        except ConnectionRefusedError:
            refused += 1
        except OSError:
            pass  # the one a SIGKILL cut: at most one per kill
    settled(t, ctl, port)
    assert refused == 0
    assert most <= 2, most
    assert "internal error" not in t.err.text()
    print("storm: at most", most, "instances;", len(t.err.matching(r"srv: started")), "starts")


def test_sigterm_while_a_new_instance_starts_stops_both(tend, ctl, tmp_path):
    t, port = start(tend, ctl, tmp_path, startup="2")
    assert ctl("restart", "srv").returncode == 0
    t.err.wait_for(r"srv: started", count=2, timeout=10)
    time.sleep(0.5)  # both past setting their SIGTERM handler
    assert len(servers(t)) == 2
    t.signal(signal.SIGTERM)
    assert t.wait(timeout=20) == 0, t.err.text()
    assert len(t.out.matching(r"srv \| drained")) == 2
    assert re.search(r"srv: .* \(stopped\)", t.err.text())
