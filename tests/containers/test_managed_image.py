"""The cfe-docker scenario with tend: examples/debian/Dockerfile (apache2 + openssh-server,
tend as ENTRYPOINT), run exactly as the original recipe documents,

    run -d -p 127.0.0.1:<port>:22 IMAGE "/usr/sbin/sshd" "/etc/init.d/apache2 start"

once through podman and once through the docker CLI talking to `podman system service`.
Both commands daemonize (sshd forks, apache2ctl starts apache2 and returns), so these
tests also cover tend adopting the processes a command leaves behind.

The tests of one CLI share a container and run in file order; the last one stops it.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time

import pytest

from .containerlib import (PREFIXED, Tracer, daemons, free_port, http_status, is_traced,
                           record, ssh_banner, start_container, wait_for)

SERVICES = ["/usr/sbin/sshd", "/etc/init.d/apache2 start"]


@pytest.fixture(scope="module", params=["podman", "docker"])
def cli(request):
    if request.param == "podman":
        request.getfixturevalue("engine")
        return ["podman"], None
    env = request.getfixturevalue("docker_env")
    return ["docker"], env


@pytest.fixture(scope="module")
def managed(cli, debian_image):
    argv, env = cli
    ssh_port, http_port = free_port(), free_port()
    start = time.monotonic()
    c = start_container(
        argv, f"managed-{argv[0]}", debian_image,
        # The seed publishes 22 only; 80 is published too so the host can check HTTP.
        run_args=["-p", f"127.0.0.1:{ssh_port}:22", "-p", f"127.0.0.1:{http_port}:80"],
        tend_args=SERVICES, env=env)
    c.ssh_port, c.http_port = ssh_port, http_port
    try:
        def ready():
            names = {p.comm for p in c.procs()}
            return ({"sshd", "apache2"} <= names and http_status(http_port) == 200
                    and (ssh_banner(ssh_port) or "").startswith("SSH-2.0-"))
        try:
            _, took = wait_for(ready, 30, interval=0.1, what="sshd and apache2 to answer")
        except AssertionError:
            print(c.logs())
            raise
        record(f"{argv[0]}: run -d until HTTP 200 and SSH banner", time.monotonic() - start)
        yield c
    finally:
        print(f"--- {argv[0]} logs of {c.name} ---\n{c.logs()}")
        c.remove()


def test_tend_is_pid1_with_both_services(managed):
    ps = managed.exec("ps", "-eo", "pid,ppid,user,comm,args").stdout
    print(ps)
    rows = [line.split(None, 4) for line in ps.splitlines()[1:]]
    pid1 = [r for r in rows if r[0] == "1"]
    assert pid1 and pid1[0][3] == "tend", f"PID 1 is not tend:\n{ps}"
    comms = [r[3] for r in rows]
    assert "sshd" in comms, ps
    assert "apache2" in comms, ps
    # The daemons are orphans of the commands that started them: their parent is tend,
    # or, while a start command still runs, tend's lineage shim for it (which hands
    # them to tend when the command exits).
    parents = {"1"} | {r[0] for r in rows if r[3] == "tend-lineage" and r[1] == "1"}
    assert any(r[3] == "sshd" and r[1] in parents for r in rows), ps
    assert any(r[3] == "apache2" and r[1] in parents for r in rows), ps


def test_http_200_and_ssh_banner(managed):
    assert http_status(managed.http_port) == 200
    banner = ssh_banner(managed.ssh_port)
    print(banner)
    assert banner and banner.startswith("SSH-2.0-OpenSSH")


def test_daemons_are_adopted_not_rerun(managed, tmp_path):
    """Both commands exit 0 leaving a daemon behind. tend must watch those daemons and
    leave them be: it starts no process at all while they run (strace on tend from the
    host counts its forks for a few seconds), and they keep their pids."""
    procs = managed.procs()
    pid1 = next(p for p in procs if p.ns_pid == 1)
    before = {p.comm: p.pid for p in daemons(procs, pid1.pid)}
    assert set(before) == {"sshd", "apache2"}, procs
    out = tmp_path / "strace.tend"
    window = 4.0
    tracer = subprocess.Popen(
        ["strace", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o", str(out),
         "-p", str(pid1.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: is_traced(pid1.pid), 10, what="strace to attach to tend")
        time.sleep(window)
    finally:
        tracer.terminate()
        tracer.wait(timeout=10)
    forks = [l for l in out.read_text().splitlines() if re.match(r"(clone|fork|vfork)", l)]
    print("\n".join(forks))
    after = {p.comm: p.pid for p in daemons(managed.procs(), pid1.pid)}
    assert not forks, (f"tend started {len(forks)} processes in {window} s while sshd and "
                       f"apache2 ran: it re-runs the commands instead of adopting the daemons")
    assert after == before, f"daemons changed: {before} -> {after}"


def test_apache_stopped_by_hand_is_back_within_1s(managed):
    """`service apache2 stop` inside; the time that counts runs from the old apache2
    master's death (seen through a pidfd from the host) to a new apache2 process."""
    procs = managed.procs()
    pid1 = next(p for p in procs if p.ns_pid == 1)
    before = {p.pid for p in procs if p.comm == "apache2"}
    master = next(p for p in daemons(procs, pid1.pid, ["apache2"]))
    pidfd = os.pidfd_open(master.pid)
    try:
        start = time.monotonic()
        stop = subprocess.Popen([*managed.cli, "exec", managed.name, "service", "apache2",
                                 "stop"], env=managed.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        ready, _, _ = select.select([pidfd], [], [], 30)
        assert ready, "apache2 did not stop within 30 s of `service apache2 stop`"
        died = time.monotonic()
    finally:
        os.close(pidfd)
    record(f"{managed.cli[0]}: `service apache2 stop` until the apache2 master died",
           died - start)

    def new_apache():
        # A new master: /usr/sbin/apache2 whose parent is tend; not the init script
        # (comm apache2 too) nor the `apache2 -k stop` that apache2ctl runs.
        return [p for p in daemons(managed.procs(), pid1.pid, ["apache2"])
                if p.pid not in before and "-k stop" not in p.args]

    try:
        back, took = wait_for(new_apache, 10, interval=0.01, what="a new apache2 master")
        record(f"{managed.cli[0]}: apache2 master died until a new master ran", took)
        wait_for(lambda: http_status(managed.http_port, 0.25) == 200, 10, interval=0.02,
                 what="HTTP 200 from the new apache2")
        http_took = time.monotonic() - died
        record(f"{managed.cli[0]}: apache2 master died until HTTP 200 again", http_took)
    finally:
        # The init script polls once a second before it reports the stop: wait for it
        # only now, so that its sleep is not counted above.
        out, _ = stop.communicate(timeout=60)
        print(f"service apache2 stop exited {stop.returncode}: {out}")
    print(back)
    assert stop.returncode == 0
    assert took < 1.0, f"apache2 came back {took:.2f} s after it died, not within 1 s"
    assert http_took < 3.0, f"HTTP 200 again only {http_took:.2f} s after apache2 died"


def test_logs_show_both_services_prefixed(managed):
    logs = managed.logs()
    print(logs)
    lines = [line for line in logs.splitlines() if line.strip()]
    names = {m.group("name") for m in map(PREFIXED.match, lines) if m}
    stray = [l for l in lines if not l.startswith("tend: ") and not PREFIXED.match(l)]
    assert not stray, f"lines neither from tend nor prefixed with a service name: {stray}"
    # apache2ctl prints its warnings (AH00558 ServerName) before apache2 detaches.
    assert "apache2" in names, f"no 'apache2 | ' line in:\n{logs}"
    # sshd writes nothing to stdout or stderr once it is a daemon: it logs to syslog, which
    # tend as PID 1 receives at /dev/log ("Server listening on 0.0.0.0 port 22.").
    assert "sshd" in names, f"no 'sshd | ' line in:\n{logs}"


def test_failed_login_is_an_sshd_line_in_the_log(managed):
    """The seed scenario's sshd logs each login attempt to syslog; with tend as PID 1 a
    failed login with a user that does not exist reaches `podman logs` as an sshd line."""
    attempt = subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
         "-p", str(managed.ssh_port), "nosuchuser@127.0.0.1", "true"],
        capture_output=True, text=True, timeout=30)
    assert attempt.returncode != 0, attempt  # no such user: refused
    line = re.compile(r"^sshd +\| .*Invalid user nosuchuser from ")

    def logged():
        return [l for l in managed.logs().splitlines() if line.match(l)] or None

    found, _ = wait_for(logged, 10, interval=0.2, what="sshd's 'Invalid user' line in the log")
    print(found)


def test_stop_sends_sigterm_to_both_and_exits_0(managed, tmp_path):
    procs = managed.procs()
    pid1 = next(p for p in procs if p.ns_pid == 1)
    # The daemons tend watches: sshd's listener and apache2's parent, children of tend.
    targets = daemons(procs, pid1.pid)
    assert {p.comm for p in targets} == {"sshd", "apache2"}, procs
    tracer = Tracer(targets, tmp_path)
    start = time.monotonic()
    managed.cmd("stop", "-t", "20", managed.name, timeout=60)
    took = time.monotonic() - start
    status = managed.wait_exit()
    record(f"{managed.cli[0]}: stop (SIGTERM) until the container exited", took)
    traces = tracer.finish()
    for p, trace in traces.items():
        print(f"--- strace of {p} ---\n{trace}")
    print(managed.logs())
    for p, trace in traces.items():
        assert "SIGTERM" in trace, f"{p.comm} never got SIGTERM:\n{trace}"
        assert "killed by SIGKILL" not in trace, f"{p.comm} was SIGKILLed:\n{trace}"
    assert status == 0, f"container exit status {status}, expected 0"
    assert took < 8, f"stop took {took:.1f} s: the services should end at once on SIGTERM"


def test_service_ignoring_sigterm_is_killed_within_grace(cli, debian_image, tmp_path):
    """tend SIGKILLs what is left after --grace, long before the runtime's own SIGKILL
    (stop -t 30 here), while a service that honours SIGTERM just ends on it."""
    argv, env = cli
    grace = 3
    stubborn = "sh -c 'trap \"\" TERM; exec sleep 1000'"
    c = start_container(argv, f"stubborn-{argv[0]}", debian_image,
                        tend_args=["--grace", str(grace), "/usr/sbin/sshd -D", stubborn],
                        env=env)
    try:
        def both():
            found = [p for p in c.procs() if p.comm in ("sleep", "sshd")]
            return found if sorted(p.comm for p in found) == ["sleep", "sshd"] else None

        found, _ = wait_for(both, 30, interval=0.1, what="sshd and the SIGTERM-ignoring sleep")
        tracer = Tracer(found, tmp_path)
        start = time.monotonic()
        c.cmd("stop", "-t", "30", c.name, timeout=90)
        took = time.monotonic() - start
        status = c.wait_exit()
        traces = {p.comm: t for p, t in tracer.finish().items()}
        print(c.logs())
        for comm, trace in traces.items():
            print(f"--- strace of {comm} ---\n{trace}")
        record(f"{argv[0]}: stop with a SIGTERM-ignoring service, --grace {grace}", took)
        print(f"container exit status {status}")
        assert "SIGTERM" in traces["sleep"], traces["sleep"]
        assert "killed by SIGKILL" in traces["sleep"], traces["sleep"]
        assert "SIGTERM" in traces["sshd"], traces["sshd"]
        assert "killed by SIGKILL" not in traces["sshd"], traces["sshd"]
        assert grace - 0.5 <= took < grace + 5, (
            f"stop took {took:.1f} s; expected tend's SIGKILL after ~{grace} s, "
            "long before the runtime's at 30 s")
    finally:
        c.remove()
