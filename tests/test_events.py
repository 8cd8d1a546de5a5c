"""Lifecycle events (issue 17): `tendctl events` and /events (Server-Sent
Events) follow what happens to services, numbered, with an exit's last lines."""
import json
import os
import signal
import socket
import subprocess
import time

from conftest import wait_until

CRASHER = """[services.crash]
command = ["sh", "-c", "echo line one; echo line two >&2; sleep 0.3; exit 3"]
backoff_initial = "300ms"
[services.calm]
command = "sleep 1000"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def follow(ctl, *args):
    link = os.path.join(os.path.dirname(ctl.sock), "tendctl")
    return subprocess.Popen([link, "--socket", ctl.sock, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_events(proc, count, timeout=10):
    events, deadline = [], time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        j = json.loads(line)
        if "event" in j:
            events.append(j["event"])
    return events


def test_a_crash_is_an_exit_with_its_last_lines_then_a_restart(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(CRASHER)
    t = tend("--config", str(cfg), env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    p = follow(ctl, "--json", "events", "crash")
    try:
        assert json.loads(p.stdout.readline()) == {"v": 1, "ok": True}
        events = read_events(p, 5)
    finally:
        p.kill()
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["exited", "restarting", "started"], events
    ex = events[0]
    assert ex["service"] == "crash" and ex["exit_code"] == 3
    assert ex["status"] == "exited with status 3" and ex["ran_ms"] >= 250
    assert [ln["line"] for ln in ex["last_lines"]] == ["line one", "line two"]
    assert [ln["stream"] for ln in ex["last_lines"]] == ["stdout", "stderr"]
    assert events[1]["delay_ms"] >= 0 and events[2]["pid"] > 0
    # One sequence for every service: no gap within what one client saw of one service's
    # events would be proof of nothing, so check they only increase.
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e["service"] == "crash" for e in events)
    # In words, with the last lines indented; SIGINT ends it (Ctrl-C).
    p = follow(ctl, "events")
    try:
        line = p.stdout.readline()
        while " exited: " not in line:
            line = p.stdout.readline()
        assert "crash exited: exited with status 3 after" in line
        assert p.stdout.readline() == "    | line one\n"
        p.send_signal(signal.SIGINT)
        assert p.wait(5) != 0
    finally:
        p.kill()
    r = ctl("events", "nosuch", timeout=5)
    assert r.returncode == 1 and "unknown service: 'nosuch'" in r.stderr
    t.stop()


def test_stop_start_and_reload_events(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text('[services.a]\ncommand = "sleep 1000"\n[services.b]\ncommand = "sleep 1000"\n')
    tend("--config", str(cfg), env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    p = follow(ctl, "--json", "events")
    try:
        p.stdout.readline()
        wait_until(lambda: ctl("wait", "a", "b").returncode == 0, what="both up")
        assert ctl("stop", "a").returncode == 0
        events = []
        while ("stopped", "a") not in [(e["type"], e.get("service")) for e in events]:
            events += read_events(p, 1)
        stopped = events[-1]
        assert stopped["why"] == "stop requested"
        assert ("exited", "a") in [(e["type"], e.get("service")) for e in events], events
        cfg.write_text('[services.b]\ncommand = "sleep 999"\n[services.c]\ncommand = "sleep 1000"\n')
        assert ctl("reload").returncode == 0
        events = read_events(p, 5)
    finally:
        p.kill()
    by = [(e["type"], e.get("service")) for e in events]
    assert by[0] == ("reload", None), by
    assert ("stopped", "b") in by and ("started", "b") in by and ("started", "c") in by, by
    assert next(e for e in events if e["type"] == "stopped")["why"] == "changed by a reload; restarting"
    reload = events[0]
    assert reload["added"] == ["c"] and reload["removed"] == ["a"] and reload["changed"] == ["b"]
    assert "service" not in reload


def test_sse_delivers_the_same_stream(tend, tmp_path):
    port = free_port()
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f'[tend]\nhttp_listen = "127.0.0.1:{port}"\n' + CRASHER)
    t = tend("--config", str(cfg))
    t.err.wait_for(r"serving .*/events")
    curl = subprocess.Popen(["curl", "-sN", "--max-time", "4", f"http://127.0.0.1:{port}/events?service=crash"],
                            stdout=subprocess.PIPE, text=True)
    out, _ = curl.communicate(timeout=10)
    messages = [m for m in out.split("\n\n") if m.startswith("id: ")]
    assert len(messages) >= 3, out
    parsed = []
    for m in messages:
        fields = dict(line.split(": ", 1) for line in m.splitlines())
        data = json.loads(fields["data"])
        assert data["type"] == fields["event"] and str(data["seq"]) == fields["id"]
        assert data["service"] == "crash"
        parsed.append(data)
    assert "exited" in [d["type"] for d in parsed]
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        f"http://127.0.0.1:{port}/events?service=nosuch"], capture_output=True, text=True)
    assert r.stdout == "404"
