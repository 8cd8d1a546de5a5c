"""Output faults, black-box: what services write may be any bytes, a disk
may fill up, and anyone may flood tend with notify datagrams or control
connections. Each test asserts the invariant: tend's JSON stays valid,
files hold whole lines and failures are said, its own log stays bounded."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import TEND, wait_until

PY = "/usr/bin/python3"
NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups"


@pytest.fixture
def ctl():
    """tendctl with raw bytes out: a strict UTF-8 decode is part of each check."""
    tmp = tempfile.mkdtemp(prefix="tendctl-faults-")
    os.chmod(tmp, 0o755)  # scripts here run as nobody too
    link = os.path.join(tmp, "tendctl")
    os.symlink(TEND, link)
    sock = os.path.join(tmp, "tend.sock")

    def run(*args, timeout=10):
        return subprocess.run([link, "--socket", sock, *args], capture_output=True, timeout=timeout)
    run.sock, run.link, run.dir = sock, link, tmp
    yield run
    shutil.rmtree(tmp, ignore_errors=True)


def start(tend, ctl, cfg, **kw):
    t = tend("--config", cfg, env={"TEND_CONTROL": ctl.sock}, **kw)
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    return t


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return str(path)


def strict_json(raw):
    """Parses bytes as JSON, failing on invalid UTF-8 as any strict reader does."""
    return json.loads(raw.decode("utf-8"))


def environ_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(kv.split("=", 1) for kv in f.read().decode(errors="replace").split("\0") if "=" in kv)


# Invalid UTF-8 ---------------------------------------------------------------

def test_json_log_lines_stay_valid_with_invalid_utf8(tend, tmp_path):
    script = write(tmp_path / "w.sh", "printf 'caf\\351\\n'; printf 'ok\\n'; exec sleep 1000\n")
    cfg = write(tmp_path / "tend.toml", f'[tend]\nlog_format = "json"\n'
                                        f'[services.w]\ncommand = "sh {script}"\n')
    out_path = tmp_path / "stdout"
    with open(out_path, "wb") as out:
        tend("--config", cfg, stdout=out)
        wait_until(lambda: b'"line":"ok"' in out_path.read_bytes(), what="the service's output")
    lines = [strict_json(l) for l in out_path.read_bytes().splitlines()]
    assert {"service": "w", "stream": "stdout", "line": "caf\ufffd"}.items() <= lines[0].items()


def test_tendctl_logs_and_follow_survive_invalid_utf8(tend, ctl, tmp_path):
    go = tmp_path / "go"
    script = write(tmp_path / "w.sh", f"printf 'caf\\351\\n'; until [ -e {go} ]; do sleep 0.02; done; "
                                      "printf 'na\\357ve\\n'; exec sleep 1000\n")
    cfg = write(tmp_path / "tend.toml", f'[services.w]\ncommand = "sh {script}"\n')
    t = start(tend, ctl, cfg)
    t.out.wait_for(r"^w \| caf")
    r = ctl("logs", "w")
    assert r.returncode == 0, r.stderr
    assert "caf\ufffd" in r.stdout.decode("utf-8")
    r = ctl("--json", "logs", "w")
    assert r.returncode == 0, r.stderr
    assert [l["line"] for l in strict_json(r.stdout)["lines"]] == ["caf\ufffd"]

    follow = subprocess.Popen([ctl.link, "--socket", ctl.sock, "--json", "logs", "-f", "w"],
                              stdout=subprocess.PIPE)
    killer = threading.Timer(10, follow.kill)
    killer.start()
    try:
        assert strict_json(follow.stdout.readline())["ok"] is True  # the recent lines
        go.touch()
        assert strict_json(follow.stdout.readline())["line"]["line"] == "na\ufffdve"
    finally:
        killer.cancel()
        follow.kill()
        follow.wait()


def test_status_with_invalid_utf8_from_sd_notify(tend, ctl, tmp_path):
    sender = write(tmp_path / "notify.py", """import os, socket, time
addr = os.environ["NOTIFY_SOCKET"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("\\0" + addr[1:] if addr.startswith("@") else addr)
s.send(b"STATUS=caf\\xe9 \\xf0\\x9f\\nREADY=1\\n")
time.sleep(1000)
""")
    cfg = write(tmp_path / "tend.toml", f'[services.a]\ncommand = "{PY} {sender}"\nnotify = "systemd"\n'
                                        '[services.b]\ncommand = "sleep 1000"\n')
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"a: ready \(READY=1\)")
    r = ctl("--json", "status")
    assert r.returncode == 0, r.stderr
    services = {s["name"]: s for s in strict_json(r.stdout)["services"]}
    assert services["a"]["status"] == "caf\ufffd \ufffd"
    assert services["b"]["state"] == "running"  # one service's text broke nobody's status
    r = ctl("status")
    assert r.returncode == 0, r.stderr
    assert strict_json(ctl("--json", "health").stdout)["healthy"] is True


def test_overlong_utf8_line_is_split_between_characters(tend, tmp_path):
    # "x" first, so that the 16 KiB cut would fall inside an "é".
    script = write(tmp_path / "w.py", 'import sys\n'
                                      'sys.stdout.buffer.write(b"x" + "\\u00e9".encode() * 20480 + b"\\n")\n')
    out_path = tmp_path / "stdout"
    with open(out_path, "wb") as out:
        t = tend("--restart", "never", f"{PY} {script}", stdout=out)
        assert t.wait() == 0
    parts = [l.split(b" | ", 1)[1] for l in out_path.read_bytes().splitlines()]
    assert len(parts) == 3
    assert all(16384 - 3 <= len(p) <= 16384 for p in parts[:-1]), [len(p) for p in parts]
    assert "".join(p.decode("utf-8") for p in parts) == "x" + "\u00e9" * 20480


# A full disk -----------------------------------------------------------------

@pytest.fixture
def tiny_disk():
    """A 64 KiB tmpfs, mounted before tend starts so its mount namespace has it too."""
    path = tempfile.mkdtemp(prefix="tend-tinydisk-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", path], check=True)
    yield path
    subprocess.run(["umount", "-l", path], check=False)
    os.rmdir(path)


def test_full_disk_drops_whole_lines_says_so_and_recovers(tend, tmp_path, tiny_disk):
    filler = os.path.join(tiny_disk, "filler")
    with open(filler, "wb") as f:
        f.write(b"\0" * 24 * 1024)
    go = tmp_path / "go"
    log = os.path.join(tiny_disk, "out.log")
    script = write(tmp_path / "w.sh", "i=0; while [ $i -lt 2000 ]; do "
                                      "echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done; "
                                      f"until [ -e {go} ]; do sleep 0.02; done; echo after the disk was freed; "
                                      "exec sleep 1000\n")
    cfg = write(tmp_path / "tend.toml", f'[services.w]\ncommand = "sh {script}"\n'
                                        f'stdout = {{ file = "{log}" }}\n')
    t = tend("--config", cfg)
    failure = rf"^tend: w: stdout file {re.escape(log)}: write: No space left on device; line dropped"
    t.err.wait_for(failure + r" \(more like this held back for up to")
    time.sleep(1)  # the rest of the 2000 lines, all dropped
    assert len(t.err.matching(failure)) == 5, t.err.text()

    # Whole lines only, in order, none cut short by the full disk.
    with open(log, "rb") as f:
        text = f.read().decode()
    assert text.endswith("\n")
    numbers = [int(m.group(1)) for m in re.finditer(r"^line (\d+) x{40}$", text, re.M)]
    assert len(numbers) == text.count("\n") and numbers == list(range(len(numbers))), text[-200:]
    assert 100 < len(numbers) < 2000

    os.unlink(filler)
    go.touch()
    t.err.wait_for(rf"^tend: w: stdout file {re.escape(log)}: written again; \d+ line\(s\) were dropped")
    with open(log) as f:
        assert f.read() == text + "after the disk was freed\n"


# Floods of tend's own warnings ----------------------------------------------

def test_notify_flood_gives_a_bounded_log_and_a_count(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", '[services.a]\ncommand = "sleep 1000"\nnotify = "systemd"\n')
    t = start(tend, ctl, cfg)
    notify = wait_until(lambda: environ_of(t.service_pid("sleep")).get("NOTIFY_SOCKET"), what="NOTIFY_SOCKET")
    flood = write(os.path.join(ctl.dir, "flood.py"), """import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("\\0" + sys.argv[1][1:])
for _ in range(int(sys.argv[2])):
    s.send(b"READY=1")
""")
    foreign = r"^tend: notify message from pid \d+, which is no process of a service using sd_notify; ignored"
    began = time.monotonic()
    r = t.run_inside(f"{NOBODY} {PY} {flood} '{notify}' 20000", timeout=60)
    assert r.returncode == 0, r.stderr
    t.err.wait_for(foreign + r" \(more like this held back for up to")
    time.sleep(1)
    assert len(t.err.matching(foreign)) == 5
    assert svc_ready(ctl, "a") is False

    time.sleep(max(0, began + 10.5 - time.monotonic()))  # the window is over
    r = t.run_inside(f"{NOBODY} {PY} {flood} '{notify}' 1")
    assert r.returncode == 0, r.stderr
    summary = t.err.wait_for(r"^tend: notify: foreign messages: (\d+) more suppressed")[0]
    assert int(re.search(r"(\d+) more", summary).group(1)) >= 10000
    assert len(t.err.matching(foreign)) <= 10
    assert len(t.err.lines) < 40


def svc_ready(ctl, name):
    return strict_json(ctl("--json", "status", name).stdout)["services"][0]["ready"]


def test_refused_control_peers_are_rate_limited(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", '[services.a]\ncommand = "sleep 1000"\n')
    t = start(tend, ctl, cfg)
    os.chmod(ctl.sock, 0o666)  # so the attempts reach tend's credential check
    knock = write(os.path.join(ctl.dir, "knock.py"), """import socket, sys
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.recv(4096)
    s.close()
""")
    r = subprocess.run(f"{NOBODY} {PY} {knock} {ctl.sock} 300", shell=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    refused = r"^tend: control: refused uid 65534 \(pid \d+\): not allowed to control tend"
    t.err.wait_for(refused + r" \(more like this held back for up to")
    time.sleep(0.5)
    assert len(t.err.matching(refused)) == 5
    assert ctl("status").returncode == 0  # root still gets in


# The HTTP server's own lines -------------------------------------------------

def test_http_server_lines_have_one_prefix(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", '[tend]\nhttp_listen = "127.0.0.1:9310"\n'
                                        '[services.a]\ncommand = "sleep 1000"\n')
    t = tend("--config", cfg, netns=True)
    t.err.wait_for(r"serving /healthz")
    fds = len(os.listdir(f"/proc/{t.host_pid}/fd"))
    subprocess.run(["prlimit", f"--pid={t.host_pid}", f"--nofile={fds + 2}"], check=True)
    r = t.run_inside(f"""{PY} -c '
import socket, time
held = [socket.create_connection(("127.0.0.1", 9310)) for _ in range(8)]
time.sleep(1)'""")
    assert r.returncode == 0, r.stderr
    line = t.err.wait_for(r"^tend: http: .*; not accepting connections")[0]
    assert "http: http:" not in line, line
