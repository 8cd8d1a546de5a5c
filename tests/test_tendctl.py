"""tendctl against a running tend: every command, access control, bad
requests and stalled clients."""
import json
import os
import re
import shutil
import tempfile
import socket
import stat
import subprocess
import time

import pytest

from conftest import TEND, wait_until


@pytest.fixture
def ctl():
    # A directory another user can reach, for the refusal test.
    tmp = tempfile.mkdtemp(prefix="tendctl-")
    os.chmod(tmp, 0o755)
    link = os.path.join(tmp, "tendctl")
    os.symlink(TEND, link)
    sock = os.path.join(tmp, "tend.sock")

    def run(*args, timeout=10, user=None):
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if user else []
        return subprocess.run(prefix + [link, "--socket", sock, *args], capture_output=True,
                              text=True, timeout=timeout)
    run.sock = sock
    run.link = link
    yield run
    shutil.rmtree(tmp, ignore_errors=True)


def start(tend, ctl, *args, **kw):
    t = tend(*args, env={"TEND_CONTROL": ctl.sock}, **kw)
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    return t


def request(sock_path, payload, read=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    try:
        s.sendall(payload)
    except BrokenPipeError:
        pass  # tend answered and hung up before reading it all (an over-long line)
    if not read:
        return s
    s.settimeout(5)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data.decode().splitlines()[0])


def test_status_table_json_and_socket_mode(tend, ctl):
    start(tend, ctl, "sleep 1000", "sh -c 'echo hi; sleep 1000'")
    assert stat.S_IMODE(os.stat(ctl.sock).st_mode) == 0o600
    r = ctl("status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "READY", "HEALTH", "PID", "PROCS", "UPTIME",
                                "RESTARTS", "LAST", "EXIT"]
    assert lines[1].split()[:4] == ["sleep", "running", "yes", "-"]
    assert lines[2].split()[:4] == ["sh", "running", "yes", "-"]
    assert lines[1].split()[5] == "1"
    assert len({l.index("STATE") if i == 0 else None for i, l in enumerate(lines)}) >= 1
    r = ctl("--json", "status", "sh")
    doc = json.loads(r.stdout)
    assert doc["ok"] and doc["services"][0]["name"] == "sh" and doc["services"][0]["pid"] > 0
    assert ctl("status", "nope").returncode == 1


def test_status_counts_every_process_a_service_owns(tend, ctl):
    start(tend, ctl, "sh -c 'sleep 1000 & sleep 1001 & wait'")
    wait_until(lambda: len(json.loads(ctl("--json", "status").stdout)["services"][0]["pids"]) == 3,
               what="sh and its two sleeps")
    r = ctl("status")
    assert r.stdout.splitlines()[1].split()[5] == "3"


def test_stop_start_restart(tend, ctl):
    t = start(tend, ctl, "sleep 1000", "sleep 999")
    assert ctl("stop", "sleep").returncode == 0
    t.err.wait_for(r"sleep: killed by SIGTERM after .* \(stopped\)")
    time.sleep(0.3)
    assert "stopped" in ctl("status", "sleep").stdout
    assert len(t.err.matching(r"^tend: sleep: started")) == 1  # stays down
    assert ctl("start", "sleep").returncode == 0
    t.err.wait_for(r"^tend: sleep: started", count=2)
    before = json.loads(ctl("--json", "status", "sleep-2").stdout)["services"][0]["pid"]
    assert ctl("restart", "sleep-2").returncode == 0
    wait_until(lambda: json.loads(ctl("--json", "status", "sleep-2").stdout)["services"][0]["pid"]
               not in (0, before), what="new pid")
    assert ctl("stop", "all").returncode == 0
    t.err.wait_for(r"sleep-2: killed by SIGTERM .*\(stopped\)")
    assert t.proc.poll() is None  # stopped services do not make tend exit
    assert ctl("start", "all").returncode == 0
    t.err.wait_for(r"^tend: sleep-2: started", count=3)


def test_stopped_service_stays_down_across_reload(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text("[services.a]\ncommand = 'sleep 1000'\n[services.b]\ncommand = 'sleep 999'\n")
    t = start(tend, ctl, "--config", str(cfg))
    t.err.wait_for(r"b: started")
    ctl("stop", "a")
    t.err.wait_for(r"a: killed by SIGTERM")
    cfg.write_text("[services.a]\ncommand = 'sleep 1001'\n[services.b]\ncommand = 'sleep 999'\n")
    assert ctl("reload").returncode == 0
    t.err.wait_for(r"reloaded: 0 added, 0 removed, 1 changed, 1 unchanged")
    time.sleep(0.3)
    assert len(t.err.matching(r"^tend: a: started")) == 1
    cfg.write_text("[services.a]\nbogus = 1\n")
    r = ctl("reload")
    assert r.returncode == 1 and "reload rejected" in r.stderr


def test_signal_logs_and_follow(tend, ctl):
    t = start(tend, ctl, "sh -c 'trap \"echo got HUP\" HUP; i=0; while :; do echo line $i; i=$((i+1)); sleep 0.1; done'")
    t.out.wait_for(r"line 5$")
    assert ctl("signal", "HUP", "sh").returncode == 0
    t.out.wait_for(r"got HUP")
    assert ctl("signal", "NOSIG", "sh").returncode == 1
    r = ctl("logs", "sh", "-n", "3")
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) + len(r.stderr.splitlines()) == 3
    follow = subprocess.Popen([ctl.link, "--socket", ctl.sock, "logs", "sh", "-n", "0", "-f"],
                              stdout=subprocess.PIPE, text=True)
    try:
        got = [follow.stdout.readline().strip() for _ in range(3)]
        nums = [int(l.split()[1]) for l in got]
        assert nums == sorted(nums) and len(set(nums)) == 3
    finally:
        follow.kill()
        follow.wait()
    assert t.proc.poll() is None


def test_wait_until_running_and_timeout(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text("""
[services.slow]
command = "sleep 1000"
depends_on = ["prep"]
[services.prep]
type = "oneshot"
command = "sleep 1"
""")
    start(tend, ctl, "--config", str(cfg))
    r = ctl("wait", "slow", "--timeout", "0.2")
    assert r.returncode == 4 and "timeout: not ready: slow" in r.stderr
    begin = time.monotonic()
    r = ctl("wait", "all", "--timeout", "10")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - begin < 5
    assert ctl("wait", "nope").returncode == 1


def test_shutdown(tend, ctl):
    t = start(tend, ctl, "sleep 1000")
    assert ctl("shutdown").returncode == 0
    assert t.wait() == 0
    t.err.wait_for(r"shutdown requested; stopping 1 service")


def test_other_uid_is_refused_and_logged(tend, ctl):
    t = start(tend, ctl, "sleep 1000")
    os.chmod(ctl.sock, 0o666)  # so the attempt reaches tend's credential check
    r = ctl("stop", "sleep", user="nobody")
    assert r.returncode == 1
    assert "permission denied" in r.stderr
    t.err.wait_for(r"control: refused uid 65534 \(pid \d+\): not allowed to control tend")
    time.sleep(0.2)
    assert not t.err.matching(r"sleep: stop requested")


def test_usage_errors_exit_2(ctl):
    assert ctl("frobnicate").returncode == 2
    assert ctl("stop").returncode == 2
    assert ctl("logs").returncode == 2
    r = ctl("status")
    assert r.returncode == 3 and "cannot reach tend" in r.stderr


def test_bad_requests_change_nothing(tend, ctl):
    t = start(tend, ctl, "sleep 1000")
    cases = [
        (b"garbage\n", "not valid JSON"),
        (b"[1,2]\n", "must be a JSON object"),
        (b'{"cmd":"status"}\n', "'v' (protocol version) is required"),
        (b'{"v":2,"cmd":"status"}\n', "unsupported protocol version 2"),
        (b'{"v":1,"cmd":"explode"}\n', "unknown command 'explode'"),
        (b'{"v":1,"cmd":"stop","names":"sleep"}\n', "'names' must be an array"),
        (b'{"v":1,"cmd":"stop","names":[1]}\n', "array of non-empty strings"),
        (b'{"v":1,"cmd":"logs","names":["sleep"],"lines":"many"}\n', "'lines' must be an integer"),
        (b'{"v":1,"cmd":"status","extra":true}\n', "unknown field 'extra'"),
        (b'{"v":1,"cmd":"stop","names":["sleep","ghost"]}\n', "unknown service 'ghost'"),
    ]
    for payload, message in cases:
        reply = request(ctl.sock, payload)
        assert reply["ok"] is False and message in reply["error"], (payload, reply)
    reply = request(ctl.sock, b"x" * (10 * 1024 * 1024) + b"\n")
    assert reply["ok"] is False and "request too long" in reply["error"]
    assert not t.err.matching(r"stop requested")  # 'ghost' made the whole request fail
    assert "running" in ctl("status", "sleep").stdout


def test_stalled_clients_do_not_block_others(tend, ctl):
    t = start(tend, ctl, "sh -c 'while :; do echo flood flood flood flood flood flood; done'")
    half = request(ctl.sock, b'{"v":1,"cmd":', read=False)  # never finishes its request
    # A follower that never reads while the service floods: it is dropped
    # once its buffer is full, and nothing else waits for it.
    deaf = request(ctl.sock, b'{"v":1,"cmd":"logs","names":["sh"],"follow":true}\n', read=False)
    for _ in range(5):
        begin = time.monotonic()
        r = ctl("status")
        assert r.returncode == 0 and time.monotonic() - begin < 2
    t.err.wait_for(r"control: dropped a client that does not read its replies", timeout=20)
    assert ctl("status").returncode == 0
    half.close()
    deaf.close()


def test_socket_removed_at_exit(tend, ctl):
    t = start(tend, ctl, "sleep 1000")
    ctl("shutdown")
    assert t.wait() == 0
    assert not os.path.exists(ctl.sock)


def test_options_after_the_command(tend, ctl):
    """As kubectl, docker and systemctl take them: `status --json`,
    `logs -f web`, the socket before or after the command; -- ends them."""
    t = tend("sh -c 'echo hello; exec sleep 1000'", "sleep 999", env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    t.out.wait_for(r"sh\s+\| hello")
    link = ctl.link
    run = lambda *a: subprocess.run([link, *a], capture_output=True, text=True, timeout=10)  # noqa: E731
    for args in (["status", "--json", "--socket", ctl.sock], ["--socket", ctl.sock, "status", "--json"],
                 ["status", "--control", ctl.sock, "--json"], [f"--control={ctl.sock}", "--json", "status"]):
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)
        assert {s["name"] for s in json.loads(r.stdout)["services"]} == {"sh", "sleep"}, args
    r = run("status", "--socket", ctl.sock, "--", "sh")
    assert r.returncode == 0 and json.loads(run("status", "--json", "--socket", ctl.sock, "--", "sh")
                                            .stdout)["services"][0]["name"] == "sh"
    follow = subprocess.Popen([link, "logs", "-f", "sh", "--socket", ctl.sock, "-n", "5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert follow.stdout.readline() == "hello\n"
        assert follow.poll() is None  # still following
    finally:
        follow.kill()
        follow.wait()
    r = run("status", "--bogus", "--socket", ctl.sock)
    assert r.returncode == 2
    assert r.stderr.startswith("tendctl: tendctl status: unknown option '--bogus' (status takes "
                               "--json, --control PATH"), r.stderr
    r = run("logs", "sh", "-x")
    assert r.returncode == 2 and "logs takes -n N, -f" in r.stderr, r.stderr


def test_version_of_tend_and_tendctl(ctl):
    for prog in (TEND, ctl.link):
        for flag in ("--version", "-V"):
            r = subprocess.run([prog, flag], capture_output=True, text=True, timeout=10)
            name = os.path.basename(prog)
            assert r.returncode == 0, r.stderr
            assert re.fullmatch(rf"{name} \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{{7,40}}|unknown), "
                                r"(x86_64|aarch64|armhf|armel|i386|riscv64|ppc64el|s390x)\)\n",
                                r.stdout), r.stdout
    # One source: a tag vX.Y.Z on the commit built, else the VERSION file.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _, version, _, commit, _ = subprocess.run([TEND, "--version"], capture_output=True,
                                              text=True).stdout.split()
    commit = commit.rstrip(",")
    with open(os.path.join(root, "VERSION")) as f:
        expected = {f.read().strip()}
    if commit != "unknown":
        tags = subprocess.run(["git", "-C", root, "tag", "--points-at", commit],
                              capture_output=True, text=True).stdout.split()
        expected |= {t[1:] for t in tags if re.fullmatch(r"v\d+\.\d+\.\d+\S*", t)}
    assert version in expected, (version, expected)


def test_tend_takes_socket_as_an_alias_of_control(tend, ctl):
    t = tend("--socket", ctl.sock, "sleep 1000")
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket at --socket's path")
    assert ctl("--control", ctl.sock, "health").returncode == 0
    assert t.proc.poll() is None
