"""Syslog capture (issue 15), black-box: real senders (logger, raw datagrams,
sshd, cron started by its init script) write to tend's syslog socket, and
each message must come out as one line under the right name.

The harness keeps tend off the machine's /dev/log (conftest sets
TEND_SYSLOG=""), so most tests give tend a socket in a private directory.
The tests of the default (/dev/log) and of daemons that can only log to
/dev/log (sshd, cron: glibc's syslog(3) has the path built in) run tend in a
mount namespace whose /dev and /run are fresh tmpfs (FRESH_DEV below), so
the machine's /dev/log is never touched; the first of them checks that.
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import TEND, install_quietly, status_field, wait_until


@pytest.fixture
def sock():
    """A syslog socket path in a short private directory (sun_path: 108 bytes)."""
    d = tempfile.mkdtemp(prefix="sl-")
    yield os.path.join(d, "log")
    shutil.rmtree(d, ignore_errors=True)


def send(path, data):
    """One datagram from the test process (outside tend's PID namespace: the
    kernel gives tend no pid for it, so it is no service's)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.sendto(data, path)
    finally:
        s.close()


def logger(path, *args):
    subprocess.run(["logger", "-u", path, *args], check=True, timeout=10)


def toml_config(path, services, tend_section=""):
    """services: {name: command (a string run by sh -c)}."""
    text = "[tend]\n" + tend_section + "\n"
    for name, command in services.items():
        text += f"[services.{name}]\ncommand = {json.dumps(['sh', '-c', command])}\n"
    path.write_text(text)
    return str(path)


def line(name, rest):
    """A regex for one plain line of `name` (names are padded to one width)."""
    return rf"^{re.escape(name)}\s* \| {rest}$"


# -- attribution ---------------------------------------------------------------

def test_logger_from_a_service_goes_under_the_service(tend, tmp_path, sock):
    # logger sends its datagram and exits at once; the shell reaps it. When
    # tend reads the datagram after that (likely on a busy machine, and under
    # ASan) the sender's pid is gone from /proc and its lineage cannot be
    # traced: the message then goes under its tag "app" (the documented
    # limit). So every message must appear, under "web" with its tag shown
    # or under "app". A logger whose parent waits for it only a second later
    # (Python's Popen; a shell reaps every child while it waits for any) is a
    # zombie until then, still in /proc with its parent: it must be traced,
    # as must the --id=$$ one, which names the shell (alive).
    cfg = toml_config(tmp_path / "tend.toml", {
        "web": f"sleep 0.3; for i in $(seq 16); do logger -u {sock} -t app \"msg $i\"; done; "
               f"logger -u {sock} -t app --id=$$ 'by id'; "
               f"python3 -c 'import subprocess, sys, time; p = subprocess.Popen(sys.argv[1:]); "
               f"time.sleep(1); p.wait()' logger -u {sock} -t app 'from a zombie'; exec sleep 1000",
        "other": "exec sleep 1000",
    })
    t = tend("--syslog", sock, "--config", cfg)
    t.out.wait_for(line("web", "app: by id"), timeout=10)
    t.out.wait_for(line("web", "app: from a zombie"), timeout=10)
    for i in range(1, 17):
        t.out.wait_for(rf"^(web\s* \| app: |app\s* \| )msg {i}$", timeout=5)
    traced = t.out.matching(line("web", r"app: msg \d"))
    assert not t.out.matching(r"^other"), t.out.text()
    assert not t.out.matching(r"^app\s* \| (by id|from a zombie)"), t.out.text()
    print(f"{len(traced)} of 16 logger messages traced to the service")


def test_long_lived_sender_of_a_service_always_traced(tend, tmp_path, sock):
    # A sender that stays alive while tend reads (a daemon) is always traced,
    # here through its parent (the service's main process): every message
    # under "web", none under its tag.
    script = tmp_path / "sender.py"
    script.write_text(f"""
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"<14>worker: tick %d" % i, {sock!r})
time.sleep(1000)
""")
    cfg = toml_config(tmp_path / "tend.toml", {"web": f"sleep 0.3; python3 {script}; exit 0"})
    t = tend("--syslog", sock, "--config", cfg)
    t.out.wait_for(line("web", r"worker: tick 19"), timeout=10)
    assert len(t.out.matching(line("web", r"worker: tick \d+"))) == 20, t.out.text()
    assert not t.out.matching(r"^worker"), t.out.text()


def test_sender_that_is_no_service_goes_under_its_tag(tend, sock):
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: sleep: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    mode = os.stat(sock).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o666, oct(mode)
    logger(sock, "-t", "outsider", "from outside")
    send(sock, b"<13>no tag here")
    t.out.wait_for(line("outsider", "from outside"))
    t.out.wait_for(line("syslog", "no tag here"))
    # Alive, inside tend's namespace, but no service's process: its tag.
    r = t.run_inside(f"logger -u {sock} -t insider 'from inside'")
    assert r.returncode == 0, r.stderr
    t.out.wait_for(line("insider", "from inside"))
    assert not t.out.matching(r"^sleep"), t.out.text()


def test_another_user_can_log(tend, sock):
    # The socket is 0666: a service that dropped to another user logs too.
    os.chmod(os.path.dirname(sock), 0o755)
    t = tend("--syslog", sock, "sleep 1000")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "logger", "-u", sock, "-t", "nobody", "as nobody"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    t.out.wait_for(line("nobody", "as nobody"))


def test_unusable_path_warns_and_runs_on(tend, tmp_path):
    for path, why in [(str(tmp_path / "no-such-dir" / "log"), "No such file or directory"),
                      ("/tmp/" + "a" * 120 + "/log", "too long")]:
        t = tend("--syslog", path, "sleep 1000")
        t.err.wait_for(rf"^tend: syslog: .*{re.escape(path)}.*{why}.*; messages sent to it do not reach tend")
        t.err.wait_for(r"^tend: sleep: started")
        t.signal(15)
        assert t.wait() == 0
        assert len(t.err.matching(r"^tend: syslog:")) == 1, t.err.text()


def test_severity_stream_and_label(tend, sock):
    t = tend("--syslog", sock, "sleep 1000")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    for prio, word in [("user.err", "E"), ("user.warning", "W"), ("user.info", "I"),
                       ("user.notice", "N"), ("daemon.crit", "C"), ("local0.debug", "D")]:
        logger(sock, "-t", "sev", "-p", prio, f"say {word}")
    t.out.wait_for(line("sev", "say D"))  # in order: everything before it is out too
    t.err.wait_for(line("sev", "crit: say C"))
    assert t.err.matching(line("sev", "err: say E")), t.err.text()
    assert t.out.matching(line("sev", "warning: say W")), t.out.text()
    assert t.out.matching(line("sev", "say I")), t.out.text()
    assert t.out.matching(line("sev", "say N")), t.out.text()
    # err and worse only on stderr, the rest only on stdout
    assert not t.out.matching(r"say [EC]$"), t.out.text()
    assert not t.err.matching(r"say [WIND]$"), t.err.text()


# -- forms and bounds ------------------------------------------------------------

def test_rfc5424_and_malformed_datagrams(tend, sock):
    t = tend("--syslog", sock, "sleep 1000")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    logger(sock, "--rfc5424", "-t", "r5", "rfc five")
    logger(sock, "--rfc5424", "--sd-id", "zoo@32473", "--sd-param", 'tiger="hungry"', "-t", "r5sd",
           "with structured data")
    cases = [
        (b"no pri at all", line("syslog", "no pri at all")),
        (b"<999>bad pri", line("syslog", re.escape("<999>bad pri"))),
        (b"<13>", line("syslog", "")),
        (b"\x01\x02\xff\x80garbage\x1b[31m", line("syslog", re.escape(r"\x01\x02\xff\x80garbage\x1b[31m"))),
        # a NUL inside is escaped; trailing NULs and newlines (some libcs
        # end the datagram with one) are not part of the message
        (b"<13>nul\x00inside\x00", line("syslog", re.escape(r"nul\x00inside"))),
        (b"<13>trailing newline\n", line("syslog", "trailing newline")),
        (b"<13>bad utf8 \xc3\x28 \xed\xa0\x80 ok \xc3\xa9",
         line("syslog", re.escape(r"bad utf8 \xc3( \xed\xa0\x80 ok ") + "\u00e9")),
        (b"<13>two\nlines\r\nforged: tend: x", line("syslog", re.escape(r"two\nlines\r\nforged: tend: x"))),
        (b"", line("syslog", "")),  # an empty datagram: an empty message line
    ]
    for data, _ in cases:
        send(sock, data)
    big = b"x" * 20000
    send(sock, big)
    # A cut inside a 2-byte character moves back to its start.
    send(sock, b"y" * 8191 + "\u00e9".encode() + b"z" * 100)
    logger(sock, "-t", "last", "still alive")
    t.out.wait_for(line("last", "still alive"), timeout=10)

    out = t.out.text()
    assert t.out.matching(line("r5", "rfc five")), out
    assert t.out.matching(line("r5sd", "with structured data")), out
    for data, rx in cases:
        assert t.out.matching(rx), f"{data!r}: no line /{rx}/ in\n{out[-3000:]}"
    assert len(t.out.matching(line("syslog", ""))) == 2, out[-3000:]  # "<13>" and b""
    cut = t.out.matching(r"\[cut: 20000 bytes sent\]$")
    assert cut == [f"syslog | {'x' * 8192} [cut: 20000 bytes sent]"], [c[:40] for c in cut]
    cut = t.out.matching(r"\[cut: 8293 bytes sent\]$")
    assert cut == [f"syslog | {'y' * 8191} [cut: 8293 bytes sent]"], [c[:40] for c in cut]
    # every datagram one line: nothing else came out
    syslog_lines = [l for l in t.out.lines if l.startswith(("syslog", "r5", "last"))]
    assert len(syslog_lines) == 2 + len(cases) + 2 + 1, "\n".join(l[:80] for l in t.out.lines)
    assert t.proc.poll() is None


def test_json_fields(tend, tmp_path, sock):
    cfg = toml_config(tmp_path / "tend.toml", {
        "web": f"sleep 0.3; logger -u {sock} -t app -p local3.warning --id=$$ 'json one'; exec sleep 1000",
    }, tend_section=f'log_format = "json"\nsyslog = {json.dumps(sock)}\n')
    # The path from [tend] syslog (the harness's TEND_SYSLOG="" would win over it).
    t = tend("--config", cfg, wrap=["env", "-u", "TEND_SYSLOG"])
    first = json.loads(t.out.wait_for(r'"line":"json one"', timeout=10)[0])
    assert first["service"] == "web" and first["stream"] == "stdout", first
    assert first["facility"] == "local3" and first["severity"] == "warning", first
    assert first["tag"] == "app" and isinstance(first["pid"], int) and first["pid"] > 1, first
    assert "time" in first

    logger(sock, "-t", "out", "-p", "auth.err", "--id=4242", "json two")
    send(sock, b"<13>nl\nbad\xff")  # no tag, no pid
    two = json.loads(t.err.wait_for(r'"line":"json two"')[0])
    assert two == {"time": two["time"], "service": "out", "stream": "stderr", "facility": "auth",
                   "severity": "err", "tag": "out", "pid": 4242, "line": "json two"}, two
    three = json.loads(t.out.wait_for(r'"line":"nl')[0])
    assert three["line"] == "nl\nbad\ufffd" and three["tag"] == "" and "pid" not in three, three
    assert three["service"] == "syslog" and three["facility"] == "user" and three["severity"] == "notice"


def test_tendctl_logs_include_syslog_lines(tend, tmp_path, sock):
    d = tempfile.mkdtemp(prefix="slc-")
    try:
        link = os.path.join(d, "tendctl")
        os.symlink(TEND, link)
        ctl_sock = os.path.join(d, "tend.sock")
        cfg = toml_config(tmp_path / "tend.toml", {
            "web": f"echo plain out; logger -u {sock} -t app --id=$$ 'to syslog'; exec sleep 1000",
            "db": "exec sleep 1000",
        })
        t = tend("--syslog", sock, "--config", cfg, env={"TEND_CONTROL": ctl_sock})
        t.out.wait_for(line("web", "app: to syslog"), timeout=10)
        # From outside (no pid for tend): its tag names the service.
        logger(sock, "-t", "web", "-p", "user.err", "tagged web")
        t.err.wait_for(line("web", "err: tagged web"))
        r = subprocess.run([link, "--socket", ctl_sock, "logs", "web"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        assert "plain out" in r.stdout, r.stdout
        assert re.search(r"app: to syslog", r.stdout), r.stdout
        assert re.search(r"err: tagged web", r.stderr), r.stderr  # its stream: stderr
        r = subprocess.run([link, "--socket", ctl_sock, "logs", "db"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0 and "syslog" not in r.stdout and "tagged" not in r.stdout, r.stdout
        # logs -f: a syslog line sent after it started comes through.
        follow = subprocess.Popen([link, "--socket", ctl_sock, "logs", "web", "-n", "0", "-f"],
                                  stdout=subprocess.PIPE, text=True)
        timer = threading.Timer(8, follow.kill)  # readline() must not hang the test
        timer.start()
        try:
            time.sleep(0.5)
            logger(sock, "-t", "web", "followed")
            got = []
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and "followed" not in "".join(got):
                got.append(follow.stdout.readline())
            assert "followed" in "".join(got), got
        finally:
            timer.cancel()
            follow.kill()
            follow.wait()
    finally:
        shutil.rmtree(d, ignore_errors=True)


# -- the socket --------------------------------------------------------------------

def test_second_tend_does_not_take_the_socket(tend, sock):
    first = tend("--syslog", sock, "sleep 1000")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    inode = os.stat(sock).st_ino
    second = tend("--syslog", sock, "sleep 1000")
    second.err.wait_for(rf"^tend: syslog: another process is bound to {re.escape(sock)}")
    second.err.wait_for(r"^tend: sleep: started")
    assert os.stat(sock).st_ino == inode
    logger(sock, "-t", "probe", "after the second started")
    first.out.wait_for(line("probe", "after the second started"))
    # The second ends (SIGTERM): the socket is the first's and stays.
    second.signal(15)
    assert second.wait() == 0
    assert os.stat(sock).st_ino == inode
    logger(sock, "-t", "probe", "after the second ended")
    first.out.wait_for(line("probe", "after the second ended"))
    assert not second.out.matching("probe"), second.out.text()
    assert second.proc.returncode == 0
    # The first removes it at exit: it is its own.
    first.signal(15)
    assert first.wait() == 0
    assert not os.path.exists(sock)


def test_stale_socket_is_replaced_and_a_file_is_not(tend, sock):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(sock)
    stale.close()  # bound, nobody receives: stale
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: sleep: started")
    logger(sock, "-t", "probe", "to the new socket")
    t.out.wait_for(line("probe", "to the new socket"))
    t.signal(15)
    assert t.wait() == 0
    assert not os.path.exists(sock)

    with open(sock, "w") as f:
        f.write("not a socket\n")
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: syslog: .*" + re.escape(sock))
    t.err.wait_for(r"^tend: sleep: started")
    t.signal(15)
    assert t.wait() == 0
    with open(sock) as f:
        assert f.read() == "not a socket\n"


# -- /dev/log and real daemons, in a mount namespace of their own ---------------------

# Run by tend's harness in front of tend (PID 1 of its PID namespace, in a
# mount namespace with private propagation): /dev and /run become fresh
# tmpfs with the few device nodes daemons use, and TEND_SYSLOG (which the
# harness sets to "") is removed, so tend takes its default, /dev/log.
FRESH_DEV = """#!/bin/sh
set -e
mount -t tmpfs -o mode=0755 tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
ln -s /proc/self/fd /dev/fd
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -m 1777 /run/lock
mkdir -m 0755 /run/sshd
unset TEND_SYSLOG
cd {tmp}
exec "$@"
"""

PACKAGES = ["openssh-server", "openssh-client", "cron", "bsdutils", "iproute2"]


@pytest.fixture(scope="module")
def installed():
    """The daemons, installed if missing (their scripts kept from starting them)."""
    install_quietly(PACKAGES)


def fresh_dev(tmp_path):
    wrapper = tmp_path / "fresh-dev"
    wrapper.write_text(FRESH_DEV.format(tmp=tmp_path))
    wrapper.chmod(0o755)
    return [str(wrapper)]


def host_dev_log():
    try:
        st = os.lstat("/dev/log")
        return st.st_ino, st.st_mode
    except FileNotFoundError:
        return None


def test_default_is_dev_log_as_pid1(tend, tmp_path):
    before = host_dev_log()
    t = tend("sleep 1000", wrap=fresh_dev(tmp_path))
    t.err.wait_for(r"^tend: sleep: started")
    # A process in tend's mount namespace only (not its PID namespace: it
    # outlives tend) shows tend's /dev from outside, before and after.
    holder = subprocess.Popen(["nsenter", "-t", str(t.host_pid), "-m", "sleep", "60"])
    try:
        dev_log = f"/proc/{holder.pid}/root/dev/log"
        wait_until(lambda: os.path.exists(dev_log), what="/dev/log in tend's mount namespace")
        mode = os.stat(dev_log).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o666, oct(mode)
        r = t.run_inside("logger -t inside 'to the default'")
        assert r.returncode == 0, r.stderr
        t.out.wait_for(line("inside", "to the default"))
        assert host_dev_log() == before, "the machine's /dev/log changed"
        t.signal(15)
        assert t.wait() == 0
        assert not os.path.exists(dev_log), "tend left /dev/log behind"
        assert os.path.isdir(f"/proc/{holder.pid}/root/dev")
    finally:
        holder.kill()
        holder.wait()
    # Without --syslog and not PID 1, tend takes no socket at all.
    t2 = tend("sleep 1000", pid1=False, wrap=["env", "-u", "TEND_SYSLOG"])
    t2.err.wait_for(r"^tend: sleep: started")
    time.sleep(0.3)
    assert not t2.err.matching("syslog"), t2.err.text()
    assert host_dev_log() == before, "the machine's /dev/log changed"


SSHD_CONFIG = """Port {port}
ListenAddress 127.0.0.1
HostKey {tmp}/host_key
PidFile /run/sshd-test.pid
UsePAM no
SyslogFacility AUTH
LogLevel INFO
"""


def test_sshd_failed_login_logged_under_sshd(tend, installed, tmp_path):
    port = 2222
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "host_key")],
                   check=True, timeout=30)
    cfg = tmp_path / "sshd_config"
    cfg.write_text(SSHD_CONFIG.format(port=port, tmp=tmp_path))
    # As images give it: one command line, sshd daemonizes and tend adopts it.
    t = tend(f"/usr/sbin/sshd -f {cfg}", netns=True, wrap=fresh_dev(tmp_path))
    t.err.wait_for(r"^tend: sshd: .*watching it", timeout=10)
    t.out.wait_for(line("sshd", rf"Server listening on 127\.0\.0\.1 port {port}\."), timeout=10)
    r = t.run_inside(f"ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                     f"-o ConnectTimeout=5 -p {port} nosuchuser@127.0.0.1 true", timeout=30)
    assert r.returncode == 255, (r.returncode, r.stderr)
    t.out.wait_for(line("sshd", r"Invalid user nosuchuser from 127\.0\.0\.1 port \d+"), timeout=10)
    # Every sshd line is sshd's: nothing under a tag or "syslog".
    others = [l for l in t.out.lines if not l.startswith("sshd ")]
    assert not others, "\n".join(others)


def test_cron_started_by_its_init_script(tend, installed, tmp_path):
    # Named "sched", not "cron": its lines can only come under "sched" by
    # tracing the sender (cron's tag is "cron"), the tag shown.
    cfg = tmp_path / "tend.toml"
    cfg.write_text('[services.sched]\ncommand = "/etc/init.d/cron start"\n')
    # cron's first line, "pidfile fd = 3", is sent by its pre-fork process,
    # which forks and exits at once (strace: its only syslog send, then
    # clone and exit_group): when tend reads it after that, the sender is
    # gone and the line goes under its tag (the documented limit, about 1
    # run in 10 here). The daemon's own lines are always traced.
    t = tend("--config", str(cfg), wrap=fresh_dev(tmp_path))
    t.out.wait_for(r"^(sched\s* \| cron: |cron\s* \| )\(CRON\) INFO \(pidfile fd = \d+\)$",
                   timeout=15)
    t.out.wait_for(line("sched", r"cron: \(CRON\) STARTUP \(fork ok\)"), timeout=10)
    t.out.wait_for(line("sched", r"cron: \(CRON\) INFO \(Running @reboot jobs\)"), timeout=10)
    assert not [l for l in t.out.matching(r"^cron") if "pidfile fd" not in l], t.out.text()


# Forks a daemon that sends one message and says so; the command then exits
# (an init script that started its daemon).
DAEMONIZE = r"""
import os, socket, sys, time
path, sent, go = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(go):
    time.sleep(0.05)
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"<30>dmn: hello from the daemon", path)
    open(sent, "w").write(str(os.getpid()))
    os.write(w, b"x")
    time.sleep(1000)
    os._exit(0)
os.read(r, 1)
"""


def test_daemon_message_sent_while_its_start_command_ends(tend, tmp_path, sock):
    """A daemon logs at start-up (cron: "STARTUP (fork ok)"); its start
    command exits; tend reads the message only after that (it was busy;
    here it is stopped). The daemon, now tend's child, is the service's
    (tend adopts what the command left): its message must be the service's
    too, not fall under its tag."""
    (tmp_path / "daemonize.py").write_text(DAEMONIZE)
    go, sent = tmp_path / "go", tmp_path / "sent"
    cfg = tmp_path / "tend.toml"
    cfg.write_text("[services.svc]\n"
                   f"command = {json.dumps(['python3', str(tmp_path / 'daemonize.py'), sock, str(sent), str(go)])}\n"
                   "daemon = true\n")
    cfg = str(cfg)
    t = tend("--syslog", sock, "--config", cfg)
    t.err.wait_for(r"^tend: svc: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    os.kill(t.host_pid, signal.SIGSTOP)
    try:
        go.touch()
        wait_until(lambda: sent.exists() and sent.read_text(), timeout=10, what="the daemon's message")
        # The command and its lineage shim exited: the daemon is tend's child.
        ns_pid = sent.read_text()
        daemon = next(p for p in t.processes() if (status_field(p, "NSpid") or [""])[-1] == ns_pid)

        def parent():
            with open(f"/proc/{daemon}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        wait_until(lambda: parent() == t.host_pid, timeout=10, what="the daemon reparented to tend")
    finally:
        os.kill(t.host_pid, signal.SIGCONT)
    t.err.wait_for(r"^tend: svc: .*watching it", timeout=10)
    t.out.wait_for(r"hello from the daemon$", timeout=10)
    assert t.out.matching(line("svc", "dmn: hello from the daemon")), t.out.text()
