"""Start-first restarts (issue 16): `tendctl restart` and a reload of a
service with `listen` sockets and a readiness signal start the new instance
beside the old one on the same sockets, stop the old one once the new one is
ready, and keep the old one when the new one does not get ready."""
import json
import os
import re
import signal
import socket
import threading
import time

from conftest import proc_stat, wait_until

# A server that starts slowly (STARTUP seconds), says READY=1 on
# $NOTIFY_SOCKET, then answers each client with its pid; on SIGTERM it
# answers the client it has and exits. With the file BROKEN present it
# never gets ready.
SERVER = """
import os, select, signal, socket, sys, time
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
listener = socket.socket(fileno=3)
time.sleep(float(os.environ.get("STARTUP", "0.3")))
if not os.path.exists(os.environ["BROKEN"]):
    path = os.environ["NOTIFY_SOCKET"]
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.sendto(b"READY=1", "\\0" + path[1:] if path.startswith("@") else path)
print("serving", os.environ.get("GEN", "-"), flush=True)
while not stopping:
    if not select.select([listener], [], [], 0.05)[0]:
        continue
    c, _ = listener.accept()
    c.sendall(("pid %d gen %s\\n" % (os.getpid(), os.environ.get("GEN", "-"))).encode())
    c.close()
print("drained", flush=True)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(tmp_path, port, extra="", gen="1", startup="0.3"):
    return f"""[services.srv]
command = ["/usr/bin/python3", "-c", '''{SERVER}''']
listen = ["tcp://127.0.0.1:{port}"]
notify = "systemd"
start_timeout = "2s"
backoff_initial = "10ms"
env = {{ BROKEN = "{tmp_path}/broken", GEN = "{gen}", STARTUP = "{startup}" }}
{extra}"""


class Client:
    """Connects every 2 ms; counts answers by pid, refusals and failures."""

    def __init__(self, port):
        self.port, self.ok, self.refused, self.failed = port, 0, 0, []
        self.slowest = 0.0  # seconds from connect to answer
        self.pids = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                began = time.monotonic()
                with socket.create_connection(("127.0.0.1", self.port), timeout=3) as c:
                    answer = c.recv(100).decode()
                self.slowest = max(self.slowest, time.monotonic() - began)
                m = re.match(r"pid (\d+) gen (\S+)", answer)
                if m:
                    self.ok += 1
                    self.pids[m.group(1)] = m.group(2)
                else:
                    self.failed.append(repr(answer))
            except ConnectionRefusedError:
                self.refused += 1
            except OSError as e:
                self.failed.append(str(e))
            time.sleep(0.002)

    def last_pid_answering(self, old):
        return wait_until(lambda: next((p for p in reversed(list(self.pids)) if p != old), None),
                          timeout=10, what="an answer from a new instance")

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        return self


def started_at(pid):
    """A process's start time in clock ticks since boot (/proc/PID/stat field 22)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def service(ctl):
    r = ctl("--json", "status", "srv")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["services"][0]


def start(tend, ctl, tmp_path, port, extra="", startup="0.3"):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(config(tmp_path, port, extra, startup=startup))
    t = tend("--config", str(cfg), env={"TEND_CONTROL": ctl.sock})
    t.err.wait_for(r"srv: ready \(READY=1\)")
    return t, cfg


def test_ten_restarts_fail_no_request(tend, ctl, tmp_path):
    """Each `tendctl restart` starts the new instance first (it takes 1 s
    to get ready) and stops the old one once it is: while a client connects
    every 2 ms, nothing is refused, nothing fails, no client waits for the
    new one's start (stop-first, each would wait a second), and each old
    instance finishes what it had ("drained")."""
    port = free_port()
    t, _ = start(tend, ctl, tmp_path, port, startup="1.0")
    client = Client(port)
    try:
        old = str(service(ctl)["pid"])
        for k in range(10):
            r = ctl("restart", "srv")
            assert r.returncode == 0, r.stderr
            t.err.wait_for(r"srv: the new instance \(pid \d+\) is ready; stopping the old one",
                           count=k + 1, timeout=10)
            new = wait_until(lambda: str(service(ctl)["pid"]) != old and str(service(ctl)["pid"]),
                             what="the new pid in status")
            t.out.wait_for(r"srv \| drained", count=k + 1, timeout=10)
            client.last_pid_answering(old)
            old = new
        time.sleep(0.1)
    finally:
        client.stop()
    print("start-first restarts:", client.ok, "ok,", client.refused, "refused,", client.failed,
          "slowest answer %.3f s" % client.slowest)
    assert client.refused == 0 and client.failed == [], (client.refused, client.failed)
    assert client.slowest < 0.5, client.slowest
    assert len(client.pids) == 11, client.pids
    assert client.ok > 200
    assert service(ctl)["restarts"] == 10
    # Each time the new instance started before the old one stopped.
    log = t.err.text()
    assert len(re.findall(r"srv: starting its new instance first", log)) == 10
    assert len([p for p in t.processes() if (proc_stat(p) or ("?", ""))[1] == "python3"]) == 1


def test_a_new_instance_that_never_gets_ready_is_stopped_and_the_old_serves_on(
        tend, ctl, tmp_path):
    port = free_port()
    t, _ = start(tend, ctl, tmp_path, port)
    old = service(ctl)["pid"]
    (tmp_path / "broken").write_text("")
    client = Client(port)
    try:
        assert ctl("restart", "srv").returncode == 0
        t.err.wait_for(r"srv: its new instance \(pid (\d+)\) was not ready 2\.0s after its start "
                       r"\(start_timeout\); stopping it; the old one \(pid \d+\) serves on", timeout=10)
        t.out.wait_for(r"srv \| drained")  # the new one's
        time.sleep(0.2)
        assert service(ctl)["pid"] == old
        assert service(ctl)["ready"] is True
        # Fixed: the next restart replaces it.
        (tmp_path / "broken").unlink()
        assert ctl("restart", "srv").returncode == 0
        t.err.wait_for(r"srv: the new instance \(pid \d+\) is ready", timeout=10)
        wait_until(lambda: service(ctl)["pid"] != old, what="the replacement")
        t.out.wait_for(r"srv \| drained", count=2, timeout=10)
    finally:
        client.stop()
    assert client.refused == 0 and client.failed == [], (client.refused, client.failed)
    assert "fatal" not in t.err.text()


def test_a_new_instance_that_crashes_leaves_the_old_one(tend, ctl, tmp_path):
    port = free_port()
    t, _ = start(tend, ctl, tmp_path, port, extra='')
    old = service(ctl)["pid"]
    assert ctl("restart", "srv").returncode == 0
    t.err.wait_for(r"srv: started", count=2)
    # The newer of the two (pids in status are tend's namespace's).
    victims = [p for p in t.processes() if (proc_stat(p) or ("?", ""))[1] == "python3"]
    assert len(victims) == 2, victims
    os.kill(max(victims, key=started_at), signal.SIGKILL)
    t.err.wait_for(r"srv: its new instance ended before it was ready \(killed by SIGKILL\); "
                   r"stopping it; the old one \(pid \d+\) serves on")
    time.sleep(0.5)
    s = service(ctl)
    assert s["pid"] == old and s["ready"] is True and s["state"] == "running"
    assert len(t.err.matching(r"srv: started")) == 2  # not restarted


def test_stop_first_order_stops_the_old_one_first(tend, ctl, tmp_path):
    port = free_port()
    t, _ = start(tend, ctl, tmp_path, port, extra='restart_order = "stop-first"')
    assert ctl("restart", "srv").returncode == 0
    t.err.wait_for(r"srv: started", count=2)
    log = t.err.text()
    assert "starting its new instance first" not in log
    assert log.index("(stopped)") < log.rindex("srv: started"), log


def test_a_reload_that_changes_it_replaces_it_start_first(tend, ctl, tmp_path):
    port = free_port()
    t, cfg = start(tend, ctl, tmp_path, port)
    client = Client(port)
    try:
        cfg.write_text(config(tmp_path, port, gen="2"))
        assert ctl("reload").returncode == 0, "reload"
        t.err.wait_for(r"srv: starting its new instance first")
        t.err.wait_for(r"srv: the new instance \(pid \d+\) is ready; stopping the old one")
        t.out.wait_for(r"srv \| drained")
        wait_until(lambda: "2" in client.pids.values(), what="an answer of the new generation")
    finally:
        client.stop()
    assert client.refused == 0 and client.failed == [], (client.refused, client.failed)
    assert set(client.pids.values()) == {"1", "2"}
