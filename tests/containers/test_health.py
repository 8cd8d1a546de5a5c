"""Health of the Debian example image (docs/health.md), in real containers:

- the image's HEALTHCHECK (`CMD ["tendctl", "health"]`) is in its config, seen by
  `podman inspect` and by `docker inspect` through `podman system service`;
- `podman healthcheck run` says healthy once sshd and apache2 run, unhealthy once
  `tendctl stop apache2` has stopped one, and healthy again after `tendctl start`;
- with `-e TEND_HTTP_LISTEN=9001`, tend answers /healthz, /readyz and /metrics on every
  interface of the container (asked from inside its network namespace and at its IP),
  and /readyz and /metrics follow a stopped service.

The containers run as the cfe-docker recipe does: no config file, the two daemonizing
commands as arguments, so `tendctl health` judges both services.

This machine has no systemd, so podman cannot set up the timers that run a healthcheck
every --interval (`podman run` logs "unable to get systemd connection to add
healthchecks" and starts the container anyway). `podman healthcheck run` runs the same
check once, by hand, and records it in the container's health state exactly as a timer's
run would: that is what these tests drive.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from .containerlib import (container_ip, http_get, netns_http_get, podman, record,
                           start_container, wait_for)

SERVICES = ["/usr/sbin/sshd", "/etc/init.d/apache2 start"]
HEALTHCHECK = ["CMD", "tendctl", "health"]


def _healthcheck(data: dict) -> dict:
    """The healthcheck of `inspect` output: podman's image inspect has it at the top
    level, container inspect (podman's and Docker's) under Config."""
    return (data.get("Healthcheck") or data.get("HealthCheck")
            or (data.get("Config") or {}).get("Healthcheck") or {})


def test_podman_inspect_shows_the_image_healthcheck(debian_image):
    data = json.loads(podman("image", "inspect", debian_image).stdout)[0]
    hc = _healthcheck(data)
    print(hc)
    assert hc.get("Test") == HEALTHCHECK, data
    assert hc.get("Interval", 0) > 0 and hc.get("Timeout", 0) > 0, hc


def test_docker_inspect_shows_the_healthcheck(docker_env, debian_image):
    """`docker inspect CONTAINER` through podman's Docker API. (Its `docker image
    inspect` leaves Healthcheck out, a gap of podman 4.3's compat API, and its `docker
    ps` shows no health: the container's inspect is where the Docker CLI sees it.)"""
    c = start_container(["docker"], "health-docker", debian_image, tend_args=SERVICES,
                        env=docker_env)
    try:
        hc = _healthcheck(c.inspect())
        print(hc)
        assert hc.get("Test") == HEALTHCHECK, hc
        # A check run (by hand: no systemd timers here) shows in docker inspect too.
        wait_for(lambda: _healthcheck_run(c)[0] == 0, 30, interval=0.2,
                 what="`podman healthcheck run` to pass")
        health = c.inspect()["State"]["Health"]
        print(health)
        assert health["Status"] == "healthy", health
    finally:
        c.remove()


def _healthcheck_run(c) -> tuple[int, str]:
    proc = podman("healthcheck", "run", c.name, check=False, timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _tendctl(c, *args):
    return c.exec("tendctl", *args, check=False, timeout=60)


def _states(c) -> dict[str, str]:
    out = _tendctl(c, "--json", "status").stdout
    return {s["name"]: s["state"] for s in json.loads(out)["services"]} if out else {}


def test_healthcheck_follows_a_stopped_service(engine, debian_image):
    start = time.monotonic()
    c = start_container(["podman"], "health-check", debian_image, tend_args=SERVICES)
    try:
        # Healthy as soon as both daemons run (well inside the 5 s --start-period).
        wait_for(lambda: _healthcheck_run(c)[0] == 0, 30, interval=0.2,
                 what="`podman healthcheck run` to pass")
        record("health: podman run -d until `podman healthcheck run` passes",
               time.monotonic() - start)
        status, out = _healthcheck_run(c)
        print(f"healthcheck run: {status} {out!r}")
        assert status == 0, out
        assert c.inspect()["State"]["Health"]["Status"] == "healthy"
        health = _tendctl(c, "health")
        print(health.stdout, health.stderr)
        assert health.returncode == 0 and health.stdout.startswith("healthy"), health

        # Wait until both commands have exited and tend watches the daemons they left:
        # stopping `/etc/init.d/apache2 start` while it still runs would stop the script,
        # not the apache2 it is starting.
        wait_for(lambda: _states(c) == {"sshd": "adopted", "apache2": "adopted"}, 30,
                 interval=0.1, what="tend to adopt both daemons")

        # A stopped service stays down (tendctl stop) and makes the container unhealthy.
        stop = _tendctl(c, "stop", "apache2")
        assert stop.returncode == 0, stop
        stopped = time.monotonic()
        wait_for(lambda: _states(c).get("apache2") == "stopped", 30, interval=0.1,
                 what="apache2 to be stopped after `tendctl stop apache2`")
        wait_for(lambda: "apache2" not in {p.comm for p in c.procs()}, 30, interval=0.1,
                 what="apache2 to be gone after `tendctl stop apache2`")
        status, out = _healthcheck_run(c)
        print(f"healthcheck run: {status} {out!r}")
        assert status == 1 and "unhealthy" in out, out
        record("health: `tendctl stop apache2` until `podman healthcheck run` fails",
               time.monotonic() - stopped)
        # Failures within the image's --start-period=5s do not count: the container turns
        # unhealthy at the first failing run after it.
        def unhealthy():
            return _healthcheck_run(c)[0] == 1 and \
                c.inspect()["State"]["Health"]["Status"] == "unhealthy"
        wait_for(unhealthy, 30, interval=0.5, what="the container's health to be unhealthy")
        state = c.inspect()["State"]["Health"]
        print(json.dumps(state, indent=1))
        assert state["Status"] == "unhealthy", state
        assert "apache2: stopped" in state["Log"][-1]["Output"], state["Log"][-1]
        assert state["Log"][-1]["ExitCode"] == 1, state["Log"][-1]
        ps = podman("ps", "--filter", f"name=^{c.name}$", "--format", "{{.Status}}").stdout
        print(ps)
        assert "(unhealthy)" in ps, ps
        health = _tendctl(c, "health")
        print(health.stdout, health.stderr)
        assert health.returncode == 1, health
        assert "apache2: stopped" in health.stdout + health.stderr, health
        assert "sshd" not in health.stdout + health.stderr, health  # sshd is fine

        # Started again: healthy again.
        assert _tendctl(c, "start", "apache2").returncode == 0
        again = time.monotonic()
        wait_for(lambda: _healthcheck_run(c)[0] == 0, 30, interval=0.2,
                 what="`podman healthcheck run` to pass after `tendctl start apache2`")
        record("health: `tendctl start apache2` until `podman healthcheck run` passes",
               time.monotonic() - again)
        assert c.inspect()["State"]["Health"]["Status"] == "healthy"
    finally:
        print(c.logs())
        c.remove()


METRIC = re.compile(r'(?m)^(?P<name>[a-z_]+)\{service="(?P<service>[^"]+)"\} (?P<value>\S+)$')


def _metrics(text: str) -> dict[tuple[str, str], float]:
    return {(m["name"], m["service"]): float(m["value"]) for m in METRIC.finditer(text)}


def test_http_endpoint_with_tend_http_listen(engine, debian_image):
    start = time.monotonic()
    c = start_container(["podman"], "health-http", debian_image,
                        run_args=["-e", "TEND_HTTP_LISTEN=9001"], tend_args=SERVICES)
    try:
        info = c.inspect()
        pid, ip = int(info["State"]["Pid"]), container_ip(info)
        base = f"http://{ip}:9001"

        def readyz_200():
            r = http_get(f"{base}/readyz")
            return r if r and r[0] == 200 else None

        wait_for(readyz_200, 30, interval=0.1, what=f"{base}/readyz to answer 200")
        record("health: podman run -d until /readyz answers 200", time.monotonic() - start)

        # Inside the container, on its loopback, as `curl http://127.0.0.1:9001/...` would.
        r = netns_http_get(pid, "http://127.0.0.1:9001/healthz")
        assert r == (200, "ok\n") or (r and r[0] == 200 and r[1].strip() == "ok"), r
        # At the container's IP, as a kubelet probing the Pod's IP does ("9001" = every
        # interface).
        r = http_get(f"{base}/healthz")
        assert r and r[0] == 200 and r[1].strip() == "ok", r
        assert http_get(f"{base}/livez")[0] == 200

        status, body = netns_http_get(pid, "http://127.0.0.1:9001/readyz")
        print(body)
        assert status == 200, body
        ready = json.loads(body)
        assert ready["healthy"] is True, ready
        assert {s["name"]: s["ok"] for s in ready["services"]} == {"sshd": True,
                                                                   "apache2": True}

        status, text = http_get(f"{base}/metrics")
        print(text)
        assert status == 200
        m = _metrics(text)
        for svc in ("sshd", "apache2"):
            assert m[("tend_service_up", svc)] == 1, m
            assert m[("tend_service_ready", svc)] == 1, m
            assert m[("tend_service_restarts_total", svc)] == 0, m
        assert re.search(r"(?m)^tend_build_info\{version=\"[^\"]+\"\} 1$", text), text

        wait_for(lambda: _states(c) == {"sshd": "adopted", "apache2": "adopted"}, 30,
                 interval=0.1, what="tend to adopt both daemons")
        # A stopped service: /readyz 503 naming it, its metrics 0; /healthz (tend's own
        # liveness) stays 200, so a kubelet would hold traffic back, not restart tend.
        assert _tendctl(c, "stop", "apache2").returncode == 0
        stopped = time.monotonic()
        status, body = wait_for(lambda: (lambda r: r if r and r[0] == 503 else None)(
            http_get(f"{base}/readyz")), 30, interval=0.1, what="/readyz to answer 503")[0]
        record("health: `tendctl stop apache2` until /readyz answers 503",
               time.monotonic() - stopped)
        # 503 from the moment apache2 is "stopping"; wait until it is "stopped".
        wait_for(lambda: _states(c).get("apache2") == "stopped", 30, interval=0.1,
                 what="apache2 to be stopped")
        status, body = http_get(f"{base}/readyz")
        assert status == 503, body
        print(body)
        verdict = json.loads(body)
        assert verdict["healthy"] is False, verdict
        apache = next(s for s in verdict["services"] if s["name"] == "apache2")
        assert apache["ok"] is False and "stopped" in apache.get("why", ""), verdict
        assert http_get(f"{base}/readyz?all")[0] == 503
        assert http_get(f"{base}/healthz")[0] == 200
        m = _metrics(http_get(f"{base}/metrics")[1])
        assert m[("tend_service_up", "apache2")] == 0, m
        assert m[("tend_service_ready", "apache2")] == 0, m
        assert m[("tend_service_up", "sshd")] == 1, m

        assert _tendctl(c, "start", "apache2").returncode == 0
        wait_for(readyz_200, 30, interval=0.1, what="/readyz 200 after `tendctl start`")
        m = _metrics(http_get(f"{base}/metrics")[1])
        assert m[("tend_service_up", "apache2")] == 1, m
    finally:
        print(c.logs())
        c.remove()


@pytest.mark.parametrize("bad", ["9001x", "127.0.0.1:99999"])
def test_bad_http_listen_is_an_error_before_any_service(engine, debian_image, bad):
    """A TEND_HTTP_LISTEN that cannot be used stops tend before it starts anything."""
    c = start_container(["podman"], "health-badlisten", debian_image,
                        run_args=["-e", f"TEND_HTTP_LISTEN={bad}"], tend_args=SERVICES)
    try:
        status = c.wait_exit(timeout=60)
        logs = c.logs()
        print(status, logs)
        assert status == 2, logs  # a usage error
        assert re.search(r"http.listen", logs, re.I), logs
        assert "started" not in logs, logs
    finally:
        c.remove()


def test_healthcheck_passes_on_a_read_only_root(engine, debian_image):
    """`docker run --read-only` puts no tmpfs on /run (podman does, unless
    --read-only-tmpfs=false): /run/tend.sock cannot be made, tend listens on
    its abstract socket instead, and the image's HEALTHCHECK (`tendctl
    health`, run inside the container) finds it on its own: healthy.
    Services that write nothing, since nothing is writable."""
    c = start_container(["podman"], "health-ro", debian_image,
                        run_args=["--read-only", "--read-only-tmpfs=false"],
                        tend_args=["sleep infinity", "tail -f /dev/null"])
    try:
        wait_for(lambda: "listening on @tend.control." in c.logs(), 30, interval=0.2,
                 what="tend's line about the abstract control socket")
        logs = c.logs()
        print(logs)
        assert re.search(r"control socket: bind /run/tend\.sock: Read-only file system; "
                         r"listening on @tend\.control\.\d+\.\d+ instead", logs), logs
        assert c.exec("sh", "-c", "test -w /run", check=False).returncode != 0  # really read-only
        wait_for(lambda: _healthcheck_run(c)[0] == 0, 30, interval=0.2,
                 what="`podman healthcheck run` to pass")
        health = c.inspect()["State"].get("Health") or c.inspect()["State"].get("Healthcheck")
        print(health)
        assert health["Status"] == "healthy", health
        r = _tendctl(c, "status")
        assert r.returncode == 0 and "sleep" in r.stdout and "tail" in r.stdout, r
        # A user of the container other than root is refused, as at the path.
        r = c.exec("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "tendctl",
                   "health", check=False, timeout=60)
        assert r.returncode != 0 and "permission denied" in r.stderr, r
    finally:
        c.remove()
