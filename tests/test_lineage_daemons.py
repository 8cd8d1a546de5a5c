"""Issue 14, with Debian's real daemons: each is given the way images give it,
as one command line and nothing else, whatever the daemon it leaves is called
(`/etc/init.d/php8.2-fpm start` leaves `php-fpm8.2`, `postfix start` leaves
`master`). tend must adopt what the command left (lineage first, names
second): one instance, the command run once; SIGKILL of the daemon's master
or its own stop command brings exactly one back; shutdown stops it all.

Every tend runs in its own PID, mount and network namespaces, with its own
/run, postfix queue and data directories (tmpfs) and its own ports, as in a
container: nothing is shared with the machine or with other suites running
beside this one (tests/test_real_daemons.py uses the machine's /run/apache2).
"""
import glob
import os
import re
import signal
import time

import pytest

from conftest import install_quietly

PACKAGES = ["php-fpm", "postfix", "nginx-light", "redis-server", "haproxy", "openssh-server",
            "apache2", "iproute2", "curl", "procps"]

SETTLE = 10.0        # the issue: "after 10 s exactly one instance runs"
RERUN_LIMIT = 1.0    # the issue: back within 1 s of a SIGKILL; tend's part, running the command again
BACK_LIMIT = 3.0     # the daemon's part too (its start); wide, as CI runs suites side by side on 2 CPUs
STOP_LIMIT = 10.0    # the daemon's own stop command, then tend runs the start command again
GRACE_LIMIT = 7.0    # tend's default grace is 8 s: shutdown must not need it

HAPROXY_CFG = """global
  log stderr format raw local0 emerg
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:8080
  http-request return status 200 content-type text/plain string "haproxy ok"
"""

# PID 1's surroundings in a container, set up in the test's own mount
# namespace (private propagation: the machine sees none of it) before tend is
# exec'd: an empty /run (runtime dirs, pidfiles, locks) with what an image
# has there, and postfix's queue and data directories empty (`postfix start`
# creates what is missing) and its configuration a copy with a fixed
# hostname. The working directory is the test's (redis saves dump.rdb there).
SETUP = """#!/bin/sh
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -m 1777 /run/lock
mkdir -m 0755 /run/sshd
mount -t tmpfs -o mode=0755 tmpfs /var/spool/postfix
mount -t tmpfs -o mode=0755,uid=$(id -u postfix),gid=$(id -g postfix) tmpfs /var/lib/postfix
cp -a /etc/postfix {tmp}/etc-postfix
[ -f {tmp}/etc-postfix/main.cf ] || cp /usr/share/postfix/main.cf.debian {tmp}/etc-postfix/main.cf
postconf -c {tmp}/etc-postfix -e myhostname=tend-test.localdomain mydestination=localhost \\
  inet_interfaces=loopback-only inet_protocols=ipv4
mount --bind {tmp}/etc-postfix /etc/postfix
cd {tmp}
exec "$@"
"""


def php_init_script():
    found = sorted(glob.glob("/etc/init.d/php*-fpm"))
    assert found, "php-fpm's init script is missing"
    return found[-1]


def php_version(script):
    return re.fullmatch(r"php(.+)-fpm", os.path.basename(script)).group(1)


def daemon_case(name, tmp_path):
    case = _daemon_case(name, tmp_path)
    case.setdefault("back_limit", BACK_LIMIT)
    return case


# Per daemon: the command line (as images give it), the service name tend
# gives it, the daemon's executable, its own stop command (run inside) and a
# probe (run inside) that succeeds while it serves.
def _daemon_case(name, tmp_path):
    if name == "php-fpm":
        script = php_init_script()
        v = php_version(script)
        return dict(command=f"{script} start", service=os.path.basename(script),
                    exe=f"/usr/sbin/php-fpm{v}", stop=f"service {os.path.basename(script)} stop",
                    probe=f"test -S /run/php/php{v}-fpm.sock")
    if name == "postfix":
        # `postfix start` itself takes 1.2 to 1.7 s on an idle 2-CPU machine
        # (its integrity checks: postsuper, find over the queue and config).
        # `postfix abort` is `postfix stop` (SIGTERM to the master) without
        # its wait: stop polls the master's lock for 5 s and then SIGKILLs
        # the master's process group, which under any supervisor that
        # restarts at once may be the new master's (a fight of two
        # supervisors, which depends on postfix start taking over 1 s).
        return dict(command="postfix start", service="postfix", exe="/usr/lib/postfix/sbin/master",
                    stop="postfix abort", probe="postfix status", back_limit=6.0)
    if name == "nginx":
        return dict(command="/etc/init.d/nginx start", service="nginx", exe="/usr/sbin/nginx",
                    stop="service nginx stop", probe=http_probe(80))
    if name == "redis":
        return dict(command="redis-server --daemonize yes", service="redis-server",
                    exe="/usr/bin/redis-server", stop="redis-cli shutdown",
                    probe="test \"$(redis-cli ping)\" = PONG")
    if name == "haproxy":
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG)
        # SIGUSR1 is haproxy's soft stop: it finishes and exits 0.
        return dict(command=f"haproxy -D -f {cfg}", service="haproxy", exe="/usr/sbin/haproxy",
                    stop="kill -USR1 $(pidof haproxy)", probe=http_probe(8080))
    if name == "sshd":
        return dict(command="/usr/sbin/sshd", service="sshd", exe="/usr/sbin/sshd",
                    stop="service ssh stop",
                    probe="timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22; head -c 8 <&3' "
                          "| grep -q SSH-2.0")
    if name == "apache2":
        return dict(command="/etc/init.d/apache2 start", service="apache2", exe="/usr/sbin/apache2",
                    stop="service apache2 stop", probe=http_probe(80))
    raise KeyError(name)


def ms(seconds):
    return "never" if seconds is None else f"{seconds * 1000:.0f} ms"


def http_probe(port):
    return f"curl -s -o /dev/null -m 2 -w '%{{http_code}}' http://127.0.0.1:{port}/ | grep -q 200"


@pytest.fixture(scope="module")
def installed():
    """The daemons, installed if missing (their scripts kept from starting them)."""
    install_quietly(PACKAGES)


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:  # gone, or a zombie
        return None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
        return int(data[data.rindex(")") + 2:].split()[1])
    except (OSError, ValueError):
        return None


def masters(t, exe):
    """Host pids of the daemon's instances: processes running its executable
    whose parent does not (workers are children of their master; a worker
    whose master died counts as an instance of its own, as it still holds
    the port)."""
    real = os.path.realpath(exe)
    found = []
    for pid in t.processes():
        if exe_of(pid) != real:
            continue
        if exe_of(parent_of(pid)) != real:
            found.append(pid)
    return sorted(found)


def starts(t, service):
    return len(t.err.matching(rf"^tend: {re.escape(service)}: started \(pid \d+\)"))


def log_tail(t, n=40):
    return "\n".join(t.err.text().splitlines()[-n:])


def time_until_back(t, d, old, since_event, before, limit, stable=0.5):
    """(rerun, back, pid): seconds from `since_event` (a monotonic time) until
    tend ran the start command again (it had run `before` times), and until
    one instance other than
    `old` ran, alone, staying so for `stable` s (start-up passes through
    transient ones: a parent that forks the daemon and exits, postfix's
    `master -w`); and that instance's pid."""
    rerun, candidate, seen = None, None, None
    while time.monotonic() - since_event < limit + 2 + stable:
        m = masters(t, d["exe"])
        now = time.monotonic()
        if rerun is None and starts(t, d["service"]) > before:
            rerun = now - since_event
        if len(m) == 1 and m[0] != old:
            if m[0] != candidate:
                candidate, seen = m[0], now
            elif now - seen >= stable:
                return rerun, seen - since_event, candidate
        else:
            candidate = None
        time.sleep(0.01)
    raise AssertionError(f"no single new instance of {d['exe']} within {limit + 2}s "
                         f"(instances: {masters(t, d['exe'])}; command run again after {ms(rerun)}); "
                         f"tend's log:\n{log_tail(t)}")


def wait_settled(t, exe, timeout=25.0):
    """Waits until every process under tend belongs to the one instance (is
    its master or a descendant of it): the start command has finished. An
    init script may linger after its daemon runs (apache2's waits for the
    pidfile, a second at a time); a stop command run meanwhile would race
    it."""
    def settled():
        m = masters(t, exe)
        if len(m) != 1:
            return False
        for pid in t.processes():
            p = pid
            while p not in (None, 0, t.host_pid, m[0]):
                p = parent_of(p)
            if p != m[0]:
                return False
        return True
    deadline = time.monotonic() + timeout
    while not settled():
        if time.monotonic() > deadline:
            left = {p: cmdline(p) for p in t.processes()}
            raise AssertionError(f"processes other than one instance of {exe} under tend after {timeout}s: "
                                 f"{left}\n{log_tail(t)}")
        time.sleep(0.05)


DAEMONS = ["php-fpm", "postfix", "nginx", "redis", "haproxy", "sshd", "apache2"]


@pytest.mark.parametrize("name", DAEMONS)
def test_daemon_adopted_once_restarted_and_stopped(tend, installed, tmp_path, name):
    d = daemon_case(name, tmp_path)
    setup = tmp_path / "setup"
    setup.write_text(SETUP.format(tmp=tmp_path))
    setup.chmod(0o755)
    t = tend(d["command"], netns=True, wrap=[str(setup)])
    report = [f"{name}: `{d['command']}`"]

    # Adopted once: after 10 s, one instance, the command run once.
    time.sleep(SETTLE)
    first = masters(t, d["exe"])
    assert len(first) == 1, f"{len(first)} instances of {d['exe']} after {SETTLE}s:\n{log_tail(t)}"
    assert starts(t, d["service"]) == 1, f"the command ran {starts(t, d['service'])} times:\n{log_tail(t)}"
    wait_settled(t, d["exe"], timeout=2.0)
    probe = t.run_inside(d["probe"])
    assert probe.returncode == 0, f"{name} does not serve: {probe}\n{log_tail(t)}"

    # SIGKILL of its master: tend runs the command again at once, and one
    # instance is back.
    killed = time.monotonic()
    os.kill(first[0], signal.SIGKILL)
    rerun, took, second = time_until_back(t, d, first[0], killed, 1, d["back_limit"])
    report.append(f"SIGKILL of its master: command run again after {ms(rerun)}, "
                  f"one instance back after {ms(took)}")
    print(report[-1])
    assert rerun is not None and rerun < RERUN_LIMIT, f"{report[-1]}\n{log_tail(t)}"
    assert took < d["back_limit"], f"{report[-1]}\n{log_tail(t)}"
    wait_settled(t, d["exe"])

    # Its own stop command, run inside: back again.
    asked = time.monotonic()
    stopped = t.run_inside(d["stop"], timeout=60)
    stop_took = time.monotonic() - asked
    assert stopped.returncode == 0, f"`{d['stop']}` failed: {stopped}\n{log_tail(t)}"
    rerun, took, third = time_until_back(t, d, second, asked, 2, STOP_LIMIT)
    report.append(f"`{d['stop']}` (which took {ms(stop_took)}): command run again after "
                  f"{ms(rerun)}, one instance back after {ms(took)}")
    print(report[-1])
    assert took < STOP_LIMIT, f"{report[-1]}\n{log_tail(t)}"
    wait_settled(t, d["exe"])

    # Settled: still that one instance, serving, and the command run exactly
    # three times (start, after SIGKILL, after the stop command).
    time.sleep(4.0)  # past any 3 s window in which a start could be judged failed
    assert masters(t, d["exe"]) == [third], f"instances: {masters(t, d['exe'])}\n{log_tail(t)}"
    assert starts(t, d["service"]) == 3, f"the command ran {starts(t, d['service'])} times:\n{log_tail(t)}"
    probe = t.run_inside(d["probe"])
    assert probe.returncode == 0, f"{name} does not serve after its restarts: {probe}\n{log_tail(t)}"

    # Shutdown: status 0 before the grace ran out. As PID 1, tend exits only
    # once it has no process left, so exiting before the grace (8 s) means
    # every process of the daemon ended on the stop signal; status 0 means
    # the service ended on it (or exited 0).
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    rc = t.wait(timeout=20)
    took = time.monotonic() - start
    report.append(f"shutdown: status {rc} after {took * 1000:.0f} ms")
    print(report[-1])
    print("tend's own lines:\n" + "\n".join(t.err.matching(r"^tend: ")))
    assert rc == 0, log_tail(t)
    assert took < GRACE_LIMIT, log_tail(t)
