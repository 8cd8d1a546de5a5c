"""Health and readiness, black-box: liveness and readiness probes (exec, tcp,
http), notify_fd and sd_notify readiness, the watchdog, readiness-gated
dependencies with start_timeout, `tendctl health`, and the HTTP endpoint
(/healthz, /readyz, /metrics) with its handling of bad clients.

Everything that listens on a port runs in a private network namespace
(netns=True), so the fixed port numbers below never clash."""
import json
import os
import re
import signal
import subprocess
import time

from conftest import TEND, wait_until

HELPERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "health_helpers")
PY = "/usr/bin/python3"

# Quick restarts so that liveness restarts do not wait out a long backoff.
FAST = 'backoff_initial = "50ms"\nbackoff_max = "200ms"\n'


def start(tend, ctl, cfg, *args, env=None, **kw):
    t = tend("--config", cfg, *args, env={"TEND_CONTROL": ctl.sock, **(env or {})}, **kw)
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    return t


def write(path, text):
    path.write_text(text)
    return str(path)


def svc(ctl, name):
    r = ctl("--json", "status", name)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["services"][0]


def http_get(t, port, path, method="GET"):
    """(status, body) of a request made with curl inside tend's namespaces."""
    flag = "-I" if method == "HEAD" else f"-X {method}"
    r = t.run_inside(f"curl -s -m 5 {flag} -o /tmp/.body.$$ -w '%{{http_code}}' "
                     f"http://127.0.0.1:{port}{path}; cat /tmp/.body.$$ 2>/dev/null; rm -f /tmp/.body.$$")
    assert r.returncode == 0, f"curl failed: {r.returncode} {r.stderr}"
    return int(r.stdout[:3]), r.stdout[3:]


def client(t, *args, timeout=40):
    r = t.run_inside(f"{PY} {HELPERS}/http_client.py " + " ".join(args), timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def started(t, name):
    return len(t.err.matching(rf"^tend: {name}: started"))


# 1 ---------------------------------------------------------------------------

def test_exec_liveness_restarts_when_failing_and_recovers(tend, ctl, tmp_path):
    alive = tmp_path / "alive"
    alive.touch()
    cfg = write(tmp_path / "tend.toml", f"""
[services.app]
command = "sleep 1000"
{FAST}
[services.app.liveness]
exec = "test -f {alive}"
period = "200ms"
failure_threshold = 2
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"app: liveness probe \(exec .*\) passing")
    time.sleep(1.5)  # several periods, all passing
    s = svc(ctl, "app")
    assert (s["state"], s["restarts"], s["health"]) == ("running", 0, "passing")
    assert started(t, "app") == 1
    assert not t.err.matching(r"app: liveness probe .* failed")
    assert len(t.err.matching(r"app: liveness probe .* passing")) == 1  # logged once
    assert "HEALTH" in ctl("status").stdout.splitlines()[0]

    alive.unlink()
    t.err.wait_for(r"app: liveness probe \(exec test -f .*\) failed 2 times in a row.*; stopping it to restart")
    t.err.wait_for(r"app: liveness probe \(exec .*\) failed .*; killed by SIGTERM after .*; restarting")
    wait_until(lambda: svc(ctl, "app")["restarts"] >= 1, what="a restart counted")
    t.err.wait_for(r"^tend: app: started", count=2)

    alive.touch()
    passing = len(t.err.matching(r"app: liveness probe .* passing"))
    t.err.wait_for(r"app: liveness probe \(exec .*\) passing", count=passing + 1)
    wait_until(lambda: svc(ctl, "app")["state"] == "running", what="running again")
    restarts = svc(ctl, "app")["restarts"]
    time.sleep(1.5)
    s = svc(ctl, "app")
    assert (s["state"], s["restarts"], s["health"]) == ("running", restarts, "passing")



def cmdline(pid):
    """A process's command line, or "" when it is gone (probes come and go)."""
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def test_exec_probe_runs_as_the_service_and_is_killed_on_timeout(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", f"""
[services.app]
command = "sleep 1000"
user = "nobody"
working_dir = "/tmp"
env = {{ MARK = "hello" }}
[services.app.liveness]
exec = '''sh -c 'echo probe-noise; test "$(id -u)" = 65534 && test "$(pwd)" = /tmp && test "$MARK" = hello''''
period = "200ms"
failure_threshold = 1
[services.slow]
command = "sleep 999"
{FAST}
[services.slow.liveness]
exec = "sleep 30"
period = "200ms"
timeout = "300ms"
failure_threshold = 1
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"app: liveness probe \(exec .*\) passing")
    t.err.wait_for(r"slow: liveness probe \(exec sleep 30\) failed 1 time in a row \(no answer within 300ms\)")
    time.sleep(1.5)
    assert not t.err.matching(r"app: liveness probe .* failed")
    assert svc(ctl, "app")["restarts"] == 0
    assert not t.out.matching("probe-noise")  # probe output is discarded
    assert svc(ctl, "slow")["restarts"] >= 2
    probes = [p for p in t.processes() if cmdline(p) == "sleep\x0030\x00"]
    assert len(probes) <= 2, f"timed-out probes left running: {probes}"


# 2 ---------------------------------------------------------------------------

def test_tcp_liveness_restarts_a_hung_server(tend, ctl, tmp_path):
    hang = tmp_path / "hang"
    cfg = write(tmp_path / "tend.toml", f"""
[services.tcp]
command = "{PY} {HELPERS}/tcp_server.py 8081 {hang}"
{FAST}
[services.tcp.liveness]
tcp = ":8081"
period = "200ms"
timeout = "500ms"
failure_threshold = 3
""")
    t = start(tend, ctl, cfg, netns=True)
    t.err.wait_for(r"tcp: liveness probe \(tcp .*8081.*\) passing")
    time.sleep(1)
    assert svc(ctl, "tcp")["restarts"] == 0
    first = t.service_pid("python3")

    hang.touch()
    t.out.wait_for(r"^tcp +\| hanging")
    assert os.path.exists(f"/proc/{first}")  # still running, just not answering
    t.err.wait_for(r"tcp: liveness probe \(tcp .*\) failed 3 times in a row.*; stopping it to restart")
    wait_until(lambda: svc(ctl, "tcp")["restarts"] == 1, what="one restart")
    t.out.wait_for(r"^tcp +\| listening on 8081", count=2)
    wait_until(lambda: svc(ctl, "tcp")["health"] == "passing", what="passing again")
    time.sleep(1.5)
    s = svc(ctl, "tcp")
    assert (s["state"], s["restarts"], s["health"]) == ("running", 1, "passing")
    assert s["pid"] != 0 and started(t, "tcp") == 2


# 3 ---------------------------------------------------------------------------

def test_http_liveness_and_readiness(tend, ctl, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    cfg = write(tmp_path / "tend.toml", f"""
[tend]
http_listen = "127.0.0.1:9001"
[services.web]
command = "{PY} {HELPERS}/http_server.py 8080 {state}"
{FAST}
[services.web.liveness]
http = "http://127.0.0.1:8080/live"
period = "200ms"
initial_delay = "300ms"
failure_threshold = 2
[services.web.readiness]
http = ":8080/ready"
period = "200ms"
""")
    t = start(tend, ctl, cfg, netns=True)
    # Its cause is HTTP 503, or "connection refused" when the probe came
    # before the server listened (a loaded machine): logged once either way.
    t.err.wait_for(r"web: readiness probe \(http .*8080/ready\) failed \d+ times? in a row \(.*\); not ready")
    time.sleep(1.2)  # several more failing periods: logged once, not per probe
    assert len(t.err.matching(r"web: readiness probe .* failed")) == 1
    s = svc(ctl, "web")
    assert s["state"] == "running" and s["ready"] is False
    header = ctl("status").stdout.splitlines()[0].split()
    assert "READY" in header and "HEALTH" in header
    code, body = http_get(t, 9001, "/readyz")
    assert code == 503
    assert "web" in json.dumps(json.loads(body))
    r = ctl("health")
    assert r.returncode == 1 and re.search(r"unhealthy: web: not ready", r.stdout + r.stderr), r
    assert http_get(t, 9001, "/healthz")[0] == 200  # tend itself is fine

    (state / "ready").touch()
    t.err.wait_for(r"web: ready \(readiness probe passed\) .*after its start")
    wait_until(lambda: svc(ctl, "web")["ready"] is True, what="ready in status")
    assert http_get(t, 9001, "/readyz")[0] == 200
    assert ctl("health").returncode == 0
    assert svc(ctl, "web")["health"] == "passing"

    (state / "live_fail").touch()
    t.err.wait_for(r"web: liveness probe \(http http://127.0.0.1:8080/live\) failed 2 times in a row "
                   r"\(HTTP 503\); stopping it to restart")
    (state / "live_fail").unlink()
    wait_until(lambda: svc(ctl, "web")["restarts"] == 1, what="restart counted")
    t.err.wait_for(r"^tend: web: started", count=2)
    # The new instance is ready only once its own readiness probe passes.
    t.err.wait_for(r"web: ready \(readiness probe passed\)", count=2)
    wait_until(lambda: svc(ctl, "web")["health"] == "passing", what="passing again")
    time.sleep(1)
    assert svc(ctl, "web")["restarts"] == 1


# 4 ---------------------------------------------------------------------------

def test_notify_fd_gates_dependents(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.db]
command = "sh -c 'sleep 1; echo >&3; exec sleep 1000'"
notify_fd = 3
[services.app]
command = "sleep 999"
depends_on = ["db"]
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"^tend: db: started")
    t0 = time.monotonic()
    time.sleep(0.4)
    assert started(t, "app") == 0
    assert svc(ctl, "db")["ready"] is False
    assert ctl("wait", "db", "--timeout", "5").returncode == 0
    waited = time.monotonic() - t0
    t.err.wait_for(r"^tend: app: started", timeout=5)
    elapsed = time.monotonic() - t0
    assert elapsed >= 0.7 and waited >= 0.7, (elapsed, waited)
    lines = t.err.lines
    ready = [i for i, l in enumerate(lines) if re.search(r"db: ready \(notified on fd 3\) .*after its start", l)]
    app = [i for i, l in enumerate(lines) if re.search(r"^tend: app: started", l)]
    assert ready and app and ready[0] < app[0], "\n".join(lines)
    assert svc(ctl, "db")["ready"] is True


# 5 ---------------------------------------------------------------------------

def environ_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(kv.split("=", 1) for kv in f.read().decode(errors="replace").split("\0") if "=" in kv)


def test_sd_notify_ready_status_and_impostors(tend, ctl, tmp_path):
    trigger = tmp_path / "go"
    cfg = write(tmp_path / "tend.toml", f"""
[services.a]
command = "{PY} {HELPERS}/sdnotify.py ready {trigger} 'serving 42 requests'"
notify = "systemd"
[services.b]
command = "sleep 999"
depends_on = ["a"]
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"^tend: a: started")
    pid = t.service_pid("python3")
    notify = wait_until(lambda: environ_of(pid).get("NOTIFY_SOCKET"), what="NOTIFY_SOCKET")
    assert notify.startswith("@"), notify

    # Someone who is no process of `a` cannot make it ready: neither another
    # user (even once gone), nor root while it still runs (sleep after send).
    r = t.run_inside(f"NOTIFY_SOCKET='{notify}' setpriv --reuid=65534 --regid=65534 --clear-groups "
                     f"{PY} {HELPERS}/sdnotify.py send READY=1")
    assert r.returncode == 0, r.stderr
    t.err.wait_for(r"notify message from pid \d+, which is no process of a service using sd_notify; ignored")
    # (A sender that is gone when tend reads its datagram is judged by its
    # uid alone, and root is a's uid: this one stays, so its lineage is read.)
    r = t.run_inside(f"NOTIFY_SOCKET='{notify}' timeout 1 {PY} {HELPERS}/sdnotify.py send-stay READY=1")
    assert r.returncode in (0, 124), r.stderr
    t.err.wait_for(r"notify message from pid \d+, which is no process of a service using sd_notify; ignored", count=2)
    time.sleep(0.5)
    assert not t.err.matching(r"a: ready")
    assert started(t, "b") == 0
    assert svc(ctl, "a")["ready"] is False
    assert ctl("wait", "a", "--timeout", "1").returncode == 4

    trigger.touch()
    t.out.wait_for(r"^a +\| notified")
    t.err.wait_for(r"a: ready \(READY=1\) .*after its start")
    t.err.wait_for(r"^tend: b: started")
    lines = t.err.lines
    assert [i for i, l in enumerate(lines) if "a: ready (READY=1)" in l][0] < \
        [i for i, l in enumerate(lines) if re.search(r"^tend: b: started", l)][0]
    s = svc(ctl, "a")
    assert s["ready"] is True and s["status"] == "serving 42 requests", s
    assert "NOTIFY_SOCKET" not in environ_of(t.service_pid("sleep"))  # only for notify services


# 6 ---------------------------------------------------------------------------

def test_watchdog_restarts_a_silent_service_only(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", f"""
[services.dog]
command = "{PY} {HELPERS}/sdnotify.py watchdog 0.2 2"
watchdog_sec = 1
{FAST}
[services.good]
command = "{PY} {HELPERS}/sdnotify.py watchdog 0.2 0"
watchdog_sec = "500ms"
""")
    t = start(tend, ctl, cfg)
    t.out.wait_for(r"^dog +\| usec=1000000$")
    t.out.wait_for(r"^good +\| usec=500000$")
    t.out.wait_for(r"^dog +\| silent$", timeout=6)
    assert not t.err.matching(r"watchdog")  # not while it was pinging
    t.err.wait_for(r"dog: watchdog: no WATCHDOG=1 for 1\.0s; stopping it to restart", timeout=5)
    t.err.wait_for(r"^tend: dog: started", count=2)
    wait_until(lambda: svc(ctl, "dog")["restarts"] == 1, what="dog restart counted")
    time.sleep(1)
    assert started(t, "good") == 1
    assert not t.err.matching(r"good: watchdog")
    assert svc(ctl, "good")["restarts"] == 0


# 7 ---------------------------------------------------------------------------

GATED = """
[services.db]
command = "sleep 1000"
start_timeout = "1s"
[services.db.readiness]
exec = "false"
period = "200ms"
[services.web]
command = "sleep 999"
depends_on = ["db"]
{critical}
[services.other]
command = "sleep 998"
"""


def test_start_timeout_fails_a_critical_dependent_loudly(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", GATED.format(critical="critical = true"))
    t0 = time.monotonic()
    t = tend("--config", cfg)
    rc = t.wait(timeout=20)
    assert rc != 0
    assert time.monotonic() - t0 >= 0.8
    t.err.wait_for(r"db: not ready 1\.0s after its start \(start_timeout\); its dependents fail to start")
    t.err.wait_for(r"web: not started: its dependency db did not get ready within 1\.0s")
    assert started(t, "web") == 0


def test_start_timeout_without_critical_keeps_the_rest_running(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", GATED.format(critical=""))
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"web: not started: its dependency db did not get ready within 1\.0s", timeout=10)
    time.sleep(0.5)
    assert t.proc.poll() is None
    assert started(t, "web") == 0
    assert svc(ctl, "other")["state"] == "running"
    assert svc(ctl, "db")["state"] == "running" and svc(ctl, "db")["ready"] is False
    assert svc(ctl, "web")["state"] != "running"


# 8 ---------------------------------------------------------------------------

def test_tendctl_health_as_a_healthcheck(tend, ctl, tmp_path):
    ready = tmp_path / "ready"
    cfg = write(tmp_path / "tend.toml", f"""
[services.web]
command = "sleep 1000"
[services.web.readiness]
exec = "test -f {ready}"
period = "200ms"
[services.side]
command = "sleep 999"
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"^tend: side: started")

    def poll_until(code, timeout=6):
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = ctl("health")
            seen.append(r.returncode)
            if r.returncode == code:
                return r
            time.sleep(0.2)
        raise AssertionError(f"tendctl health never exited {code}: {seen}")

    for _ in range(5):  # not ready yet: unhealthy every time
        r = ctl("health")
        assert r.returncode == 1, r
        assert re.search(r"unhealthy: .*web: not ready", r.stdout + r.stderr), r
        time.sleep(0.2)
    doc = json.loads(ctl("--json", "health").stdout)
    assert doc["healthy"] is False
    by_name = {s["name"]: s for s in doc["services"]}
    assert by_name["web"]["ok"] is False and by_name["web"]["why"]
    assert by_name["side"]["ok"] is True
    assert ctl("health", "side").returncode == 0  # only the named ones are judged

    ready.touch()
    r = poll_until(0)
    assert re.search(r"^healthy: 2 services running and ready", r.stdout, re.M), r
    for _ in range(3):
        assert ctl("health").returncode == 0
        time.sleep(0.2)
    assert json.loads(ctl("--json", "health").stdout)["healthy"] is True

    ready.unlink()
    r = poll_until(1)
    assert "web" in r.stdout + r.stderr
    t.err.wait_for(r"web: readiness probe \(exec .*\) failed .*; not ready")
    assert ctl("health", socket_path=ctl.sock + ".nope").returncode == 3


def test_health_judges_critical_services_unless_all(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.web]
command = "sleep 1000"
[services.web.readiness]
exec = "false"
period = "200ms"
[services.core]
command = "sleep 999"
critical = true
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"web: readiness probe .* failed")
    wait_until(lambda: svc(ctl, "core")["state"] == "running", what="core running")
    r = ctl("health")
    assert r.returncode == 0, r  # only the critical service counts
    r = ctl("health", "--all")
    assert r.returncode == 1 and "web" in r.stdout + r.stderr, r


# 9 ---------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*,?)?\})?'
                    r' (-?[0-9.]+(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$')


def parse_metrics(text):
    """{(name, labels): value}; checks the exposition format on the way."""
    samples, helps, types = {}, set(), {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name not in types, f"two TYPE lines for {name}"
            assert kind in ("counter", "gauge", "untyped", "summary", "histogram"), line
            types[name] = kind
            continue
        assert not line.startswith("#") or line.startswith("# "), line
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        name = m.group(1)
        family = name if name in types else re.sub(r"_(total|count|sum|bucket|created)$", "", name)
        assert family in types, f"{name} has no # TYPE before it"
        assert family in helps, f"{name} has no # HELP"
        samples[(name, m.group(2) or "")] = float(m.group(3))
    return samples


def metric(samples, name, service):
    return samples.get((name, f'{{service="{service}"}}'))


def test_metrics_match_reality(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.victim]
command = "sleep 1000"
backoff_initial = "10ms"
[services.victim.liveness]
exec = "true"
period = "200ms"
[services.gone]
command = "sh -c 'sleep 0.2; exit 3'"
restart = "never"
""")
    t = start(tend, ctl, cfg, env={"TEND_HTTP_LISTEN": "127.0.0.1:9090"}, netns=True)
    t.err.wait_for(r"^tend: victim: started")
    code, body = http_get(t, 9090, "/metrics")
    assert code == 200
    m = parse_metrics(body)
    assert metric(m, "tend_service_last_exit_code", "victim") is None  # no exit yet
    assert metric(m, "tend_service_restarts_total", "victim") == 0

    for i in range(3):
        pid = t.service_pid("sleep")
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: svc(ctl, "victim")["restarts"] == i + 1 and svc(ctl, "victim")["state"] == "running"
                   and svc(ctl, "victim")["pid"] != 0, what=f"restart {i + 1}")
    t.err.wait_for(r"gone: exited with status 3")
    wait_until(lambda: svc(ctl, "victim")["health"] == "passing", what="victim passing")

    r = t.run_inside("curl -s -m 5 -i http://127.0.0.1:9090/metrics")
    head, _, body = r.stdout.partition("\n\n")  # text mode: CRLF came as \n
    assert head.startswith("HTTP/1.") and " 200" in head.splitlines()[0], head
    assert re.search(r"(?im)^content-type: text/plain", head), head
    m = parse_metrics(body)
    assert metric(m, "tend_service_restarts_total", "victim") == 3
    assert metric(m, "tend_service_up", "victim") == 1
    assert metric(m, "tend_service_ready", "victim") == 1
    assert metric(m, "tend_service_healthy", "victim") == 1
    assert metric(m, "tend_service_last_exit_code", "victim") == 137
    assert metric(m, "tend_service_up", "gone") == 0
    assert metric(m, "tend_service_last_exit_code", "gone") == 3
    assert metric(m, "tend_service_healthy", "gone") is None  # no liveness probe
    now = time.time()
    st = metric(m, "tend_service_start_time_seconds", "victim")
    assert st is not None and now - 60 < st <= now + 1
    assert metric(m, "tend_service_cpu_seconds_total", "victim") is not None
    assert metric(m, "tend_service_processes", "victim") == 1
    assert metric(m, "tend_service_processes", "gone") == 0
    assert (metric(m, "tend_service_resident_memory_bytes", "victim") or 0) > 0
    assert m[("process_resident_memory_bytes", "")] > 0
    assert m[("process_open_fds", "")] > 0
    assert now - 120 < m[("process_start_time_seconds", "")] <= st
    assert m[("tend_event_loop_iterations_total", "")] > 0
    assert any(k[0] == "tend_build_info" and 'version="' in k[1] and v == 1 for k, v in m.items())


# 10 --------------------------------------------------------------------------

def test_bad_http_clients_do_not_hurt_tend(tend, ctl, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.app]
command = "sleep 1000"
""")
    t = start(tend, ctl, cfg, "--http-listen", "9002", netns=True)
    t.err.wait_for(r"^tend: app: started")
    pid = t.service_pid("sleep")
    wait_until(lambda: t.run_inside("curl -s -o /dev/null http://127.0.0.1:9002/healthz").returncode == 0,
               what="endpoint up")

    def raw(data):
        return client(t, "raw", "9002", data.hex())

    assert raw(b"\x16\x03\x01garbage\r\n\r\n")["status"] == 400
    assert raw(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")["status"] == 405
    assert raw(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")["status"] == 404
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20480 + b"\r\n\r\n"
    assert raw(big)["status"] == 431
    got = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert got["status"] == 200 and re.search(r"(?i)connection: close", got["response"])
    head = raw(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head["status"] == 200 and head["response"].endswith("\r\n\r\n"), head  # no body
    assert http_get(t, 9002, "/readyz")[0] == 200

    doc = client(t, "slowloris", "9002", "50")
    assert doc["fresh"] == 200 and doc["fresh_s"] < 1.0, doc
    assert doc["dropped"] == 50 and doc["dropped_s"] < 12, doc
    assert doc["after"] == 200, doc
    assert t.proc.poll() is None
    assert t.service_pid("sleep") == pid  # still supervising the same process
    assert svc(ctl, "app")["restarts"] == 0


# 11 --------------------------------------------------------------------------

def test_bad_health_config_is_reported_with_its_place(tmp_path):
    cfg = write(tmp_path / "tend.toml", """[tend]
http_listen = "99999"
[services.a]
command = "sleep 1"
[services.a.liveness]
tcp = ":80"
http = "http://127.0.0.1/"
[services.b]
command = "sleep 1"
[services.b.liveness]
http = "https://127.0.0.1/x"
failure_threshold = 0
[services.c]
command = "sleep 1"
[services.c.liveness]
exec = "true"
success_threshold = 2
""")
    r = subprocess.run([TEND, "--config", cfg, "--check"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    err = r.stderr

    def at(lines, pattern):
        rx = re.compile(rf"{re.escape(cfg)}:({'|'.join(map(str, lines))}):\d+: .*{pattern}")
        assert any(rx.search(l) for l in err.splitlines()), f"no {rx.pattern!r} in:\n{err}"

    at([2], "http_listen")
    at([5, 6, 7], r"(tcp|http)")
    at([11], "https")
    at([12], "failure_threshold")
    at([17], "success_threshold")
    assert r.stdout == ""

    good = write(tmp_path / "good.toml", """[tend]
http_listen = ":9001"
[services.a]
command = "sleep 1"
notify = "systemd"
watchdog_sec = "500ms"
start_timeout = "5s"
[services.a.liveness]
tcp = "8080"
period = "1s"
[services.a.readiness]
exec = "test -f /tmp/x"
""")
    r = subprocess.run([TEND, "--config", good, "--check"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr


# A short-lived sender, as in `sh -c 'notify-tool READY=1; exec app'`: the
# message comes from a child of the service that has exited (and been reaped
# by the shell) by the time tend reads it. tend is held with SIGSTOP (which
# reaches a namespace's init from outside) so that this happens every time.
# Kept last: it fails while tend looks the sender up in /proc when it reads.

def test_sd_notify_from_a_child_that_is_already_gone(tend, ctl, tmp_path):
    go = tmp_path / "go"
    cfg = write(tmp_path / "tend.toml", f"""
[services.a]
command = "sh -c 'until [ -e {go} ]; do sleep 0.02; done; {PY} {HELPERS}/sdnotify.py send READY=1; exec sleep 1000'"
notify = "systemd"
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"^tend: a: started")

    def app_running():
        for p in t.processes():
            try:
                if cmdline(p) == "sleep\x001000\x00":
                    return True
            except OSError:
                pass
        return False

    t.signal(signal.SIGSTOP)
    try:
        go.touch()
        wait_until(app_running, what="the sender gone and the app exec'd")
    finally:
        t.signal(signal.SIGCONT)
    t.err.wait_for(r"a: ready \(READY=1\)|notify message from pid .* ignored")
    assert not t.err.matching(r"notify message from pid .* ignored")
    t.err.wait_for(r"a: ready \(READY=1\)")


DAEMON_NOTIFY = r"""
import os, socket, sys, time
go, sent = sys.argv[1], sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.02)
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    name = os.environ["NOTIFY_SOCKET"]
    address = "\0" + name[1:] if name.startswith("@") else name
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", address)
    open(sent, "w").write(str(os.getpid()))
    os.write(w, b"x")
    time.sleep(1000)
    os._exit(0)
os.read(r, 1)
"""


# A daemonizing service whose daemon says READY=1 just as its start command
# exits: when tend reads the datagram, the daemon is tend's child (its
# lineage shim is gone) but the shim's handover may not be read yet. tend
# is held with SIGSTOP until all of that has happened, so that the order in
# which it then sees the socket, the shim and SIGCHLD is left to epoll.
def test_sd_notify_from_a_daemon_as_its_start_command_ends(tend, ctl, tmp_path):
    script, go, sent = tmp_path / "daemon.py", tmp_path / "go", tmp_path / "sent"
    script.write_text(DAEMON_NOTIFY)
    cfg = write(tmp_path / "tend.toml", f"""
[services.a]
command = "{PY} {script} {go} {sent}"
notify = "systemd"
daemon = true
""")
    t = start(tend, ctl, cfg)
    t.err.wait_for(r"^tend: a: started")
    t.signal(signal.SIGSTOP)
    try:
        go.touch()
        wait_until(lambda: sent.exists() and sent.read_text(), timeout=10, what="READY=1 sent")
        ns_pid = sent.read_text()

        def reparented():
            for p in t.processes():
                try:
                    with open(f"/proc/{p}/status") as f:
                        fields = dict(l.split(":", 1) for l in f if ":" in l)
                except OSError:
                    continue
                if fields["NSpid"].split()[-1] == ns_pid:
                    return fields["PPid"].strip() == str(t.host_pid)
            return False
        wait_until(reparented, timeout=10, what="the daemon reparented to tend")
    finally:
        t.signal(signal.SIGCONT)
    t.err.wait_for(r"a: ready \(READY=1\)|notify message from pid .* ignored", timeout=10)
    assert not t.err.matching(r"notify message from pid .* ignored"), t.err.text()
    t.err.wait_for(r"a: ready \(READY=1\)")


# A service that keeps its state in a memfd parked in tend (sd_notify's
# FDSTORE=1, systemd's file descriptor store): each start finds it back
# through LISTEN_FDS/LISTEN_FDNAMES, adds one and says so.
FDSTORE = r"""
import os, socket, sys
name = os.environ["NOTIFY_SOCKET"]
address = "\0" + name[1:] if name.startswith("@") else name
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
fds = dict(zip(os.environ.get("LISTEN_FDNAMES", "").split(":"),
               range(3, 3 + int(os.environ.get("LISTEN_FDS", "0")))))
assert os.environ.get("LISTEN_PID", str(os.getpid())) == str(os.getpid())
if "counter" in fds:
    fd = fds["counter"]
    os.lseek(fd, 0, 0)
    n = int(os.read(fd, 20) or b"0") + 1
else:
    fd = os.memfd_create("counter")
    n = 1
    # Stored twice (as a careless service might): kept once.
    for _ in range(2):
        s.sendmsg([b"FDSTORE=1\nFDNAME=counter"],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fd.to_bytes(4, sys.byteorder))], 0, address)
os.lseek(fd, 0, 0)
os.ftruncate(fd, 0)
os.write(fd, str(n).encode())
print("generation", n, "fds", os.environ.get("LISTEN_FDNAMES", ""), flush=True)
s.sendto(b"READY=1", address)
if len(sys.argv) > 1 and n == 2:
    s.sendto(b"FDSTOREREMOVE=1\nFDNAME=counter", address)
os.pause()
"""


def test_fd_store_keeps_fds_across_restarts_until_stopped(tend, ctl, tmp_path):
    script = tmp_path / "fdstore.py"
    script.write_text(FDSTORE)
    cfg = write(tmp_path / "tend.toml", f"""
[services.a]
command = "{PY} {script}"
notify = "systemd"
{FAST}
[services.b]
command = "{PY} {script} remove-at-2"
notify = "systemd"
{FAST}
""")
    t = start(tend, ctl, cfg)
    t.out.wait_for(r"^a +\| generation 1 fds $")
    t.err.wait_for(r"a: ready \(READY=1\)")
    # A crash: the next instance gets the memfd back (one fd: kept once).
    assert ctl("signal", "KILL", "a").returncode == 0
    t.out.wait_for(r"^a +\| generation 2 fds counter$", timeout=10)
    assert ctl("restart", "a").returncode == 0  # a restart keeps the store too
    t.out.wait_for(r"^a +\| generation 3 fds counter$", timeout=10)
    # A stop is for good: the store is emptied, the next start begins anew.
    assert ctl("stop", "a").returncode == 0
    assert ctl("start", "a").returncode == 0
    t.out.wait_for(r"^a +\| generation 1 fds $", count=2, timeout=10)
    # FDSTOREREMOVE=1 with its name: b's second instance drops it.
    t.out.wait_for(r"^b +\| generation 1 fds $")
    t.err.wait_for(r"b: ready \(READY=1\)")
    assert ctl("signal", "KILL", "b").returncode == 0
    t.out.wait_for(r"^b +\| generation 2 fds counter$", timeout=10)
    time.sleep(0.3)  # its FDSTOREREMOVE=1 read
    assert ctl("signal", "KILL", "b").returncode == 0
    t.out.wait_for(r"^b +\| generation 1 fds $", count=2, timeout=10)
