"""The fault cases of figure 12, in a quick, bounded form: tend's own suite
(tests/faults/) measured instead of asserted. Each case starts tend as PID 1
of fresh namespaces, breaks something, and returns one short sentence of what
tend did, from /proc and its log: "CPU 0.2 % over 1 s", "fds 19→19".

Only tend runs them: they use tend's own knobs (backoff 0, tendctl, reload).
"""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

from . import procfs
from .box import ENV, Failure, _die_with_parent


class Tend:
    """tend as PID 1 (unshare --fork --pid --mount-proc --kill-child); its stderr
    goes to a file read for log lines, its stdout where the case wants."""

    def __init__(self, ctx, work, args, stdout=subprocess.DEVNULL, control=True, env=None,
                 wrap=()):
        self.ctx, self.work = ctx, work
        self.sock = str(work / "tend.sock")
        self.errpath = work / f"tend-{time.monotonic_ns()}.err"
        full_env = {**ENV, "TEND_CONTROL": self.sock if control else "", "TEND_SYSLOG": "",
                    **(env or {})}
        with open(self.errpath, "wb") as err:
            self.popen = subprocess.Popen(
                ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", "--", *wrap,
                 ctx.tend, *args], stdin=subprocess.DEVNULL, stdout=stdout, stderr=err,
                cwd=work, env=full_env, preexec_fn=_die_with_parent, start_new_session=True)
        self.pid = self._wait(lambda: (procfs.children(self.popen.pid) or [None])[0], 10, "tend")
        if control:  # the file appears at bind(), connections are taken from listen() on
            self._wait(lambda: self.ctl("status", timeout=3)[0] == 0, 10, "control socket")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()

    def _wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            got = predicate()
            if got:
                return got
            if time.monotonic() > deadline:
                raise Failure(f"no {what} after {timeout:g} s: {self.log()[-300:]}")
            time.sleep(0.01)

    def kill(self):
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def log(self):
        return self.errpath.read_text(errors="replace")

    def lines(self, pattern):
        return [line for line in self.log().splitlines() if re.search(pattern, line)]

    def wait_log(self, pattern, count=1, timeout=10.0):
        return self._wait(lambda: len(self.lines(pattern)) >= count, timeout, f"/{pattern}/")

    def find(self, *argv, timeout=5.0, other_than=None):
        """Host pid of the live process under tend whose command line is argv."""
        def look():
            for p in procfs.descendants(self.pid):
                st = procfs.proc(p)
                if st and not st.zombie and p != other_than and procfs.cmdline(p) == list(argv):
                    return p
            return None
        return self._wait(look, timeout, " ".join(argv))

    def ctl(self, *args, timeout=10.0, sock=None):
        """tendctl (tend's binary under that name): (returncode or None, out, err, s)."""
        link = self.work / "tendctl"
        if not link.exists():
            link.symlink_to(self.ctx.tend)
        began = time.monotonic()
        try:
            r = subprocess.run([str(link), "--socket", sock or self.sock, *args],
                               capture_output=True, text=True, timeout=timeout)
            return r.returncode, r.stdout, r.stderr, time.monotonic() - began
        except subprocess.TimeoutExpired:
            return None, "", "no answer", time.monotonic() - began

    def status(self):
        code, out, err, _ = self.ctl("--json", "status")
        if code != 0:
            raise Failure(f"tendctl status: {err.strip()}")
        return {s["name"]: s for s in json.loads(out)["services"]}

    def exit_within(self, seconds):
        """tend's exit status and the seconds it took, or (None, seconds)."""
        began = time.monotonic()
        try:
            return self.popen.wait(timeout=seconds), time.monotonic() - began
        except subprocess.TimeoutExpired:
            return None, time.monotonic() - began


def cpu(pid, window):
    before, t0 = procfs.cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    after, t1 = procfs.cpu_seconds(pid), time.monotonic()
    if before is None or after is None:
        raise Failure("tend vanished while measured")
    return f"CPU {100 * (after - before) / (t1 - t0):.1f} % over {window:g} s"


def config(work, services, name="tend.toml", extra=""):
    path = work / name
    path.write_text(extra + "\n" + "".join(f"[services.{n}]\n{b}\n" for n, b in services.items()))
    return str(path)


def restarts_after_kill(t, argv, timeout=5.0):
    victim = t.find(*argv)
    os.kill(victim, signal.SIGKILL)
    began = time.monotonic()
    try:
        t.find(*argv, timeout=timeout, other_than=victim)
        return f"restarted in {1000 * (time.monotonic() - began):.0f} ms"
    except Failure:
        return f"not restarted within {timeout:g} s"


def fds_text(before, after):
    return f"fds {before}→{after}"


def rss_text(before, after):
    return f"RssAnon {after - before:+d} KiB"


# -- the cases: each (ctx, work) -> sentence ---------------------------------

def crash_loop(ctx, work):
    for name in ("crasher", "quitter"):
        (work / name).symlink_to(ctx.tend)
    fast = "backoff_initial = 0\nbackoff_max = 0\n"
    cfg = config(work, {
        "crasher": f'command = ["{work}/crasher", "--no-such-option-{"x" * 2000}"]\n'
                   f'stderr = "null"\n{fast}',
        "quitter": f'command = ["{work}/quitter", "--help"]\nstdout = "null"\n{fast}'})
    with Tend(ctx, work, ["-q", "--config", cfg]) as t:
        def count():
            return sum(s["restarts"] for s in t.status().values())
        t._wait(lambda: count() >= 100, 30, "100 restarts")
        fds, rss, first = procfs.fd_count(t.pid), procfs.rss_anon_kib(t.pid), count()
        began = time.monotonic()
        time.sleep(ctx.p.fault_crash_s)
        n, took = count() - first, time.monotonic() - began
        return (f"{n} restarts in {took:.0f} s: {fds_text(fds, procfs.fd_count(t.pid))}, "
                f"{rss_text(rss, procfs.rss_anon_kib(t.pid))}")


def exec_failure_loop(ctx, work):
    cfg = config(work, {"ghost": 'command = ["/nonexistent/ghost"]\nbackoff_initial = 0\n'
                                 'backoff_max = 0\n', "steady": 'command = "sleep 1000"\n'})
    # Waiting for the socket file only: tendctl may well get no answer here.
    with Tend(ctx, work, ["-q", "--grace", "1", "--config", cfg], control=False,
              env={"TEND_CONTROL": str(work / "tend.sock")}) as t:
        t._wait(lambda: os.path.exists(t.sock), 10, "control socket")
        time.sleep(0.5)
        code, _, _, took = t.ctl("status", timeout=2)
        answer = f"status in {1000 * took:.0f} ms" if code == 0 else "status: no answer in 2 s"
        os.kill(t.pid, signal.SIGTERM)
        rc, took = t.exit_within(2)
        return answer + (f", SIGTERM: exit {rc} in {took:.1f} s" if rc is not None
                         else ", SIGTERM: still running after 2 s")


def orphans(ctx, work):
    n = ctx.p.fault_orphans
    storm = (f"sh -c 'i=0; while [ $i -lt {n} ]; do ( : & ); i=$((i+1)); done; "
             "echo orphans done; exec sleep 1000'")
    with Tend(ctx, work, [storm], stdout=open(work / "out", "wb")) as t:
        slowest = 0.0
        deadline = time.monotonic() + 120
        while "orphans done" not in (work / "out").read_text():
            if time.monotonic() > deadline:
                raise Failure("the orphans were not made within 120 s")
            code, _, _, took = t.ctl("status", timeout=10)
            slowest = max(slowest, took if code == 0 else float("inf"))
            time.sleep(0.2)
        time.sleep(0.5)
        zombies = [p for p in procfs.descendants(t.pid) if (procfs.proc(p) or procfs.Proc(
            0, 0, "", "X")).zombie]
        return f"{n} orphans: {len(zombies)} zombies left, slowest status {1000 * slowest:.0f} ms"


def pids_cgroup():
    root = "/sys/fs/cgroup/pids"
    path = f"{root}/tend-bench-{os.getpid()}"
    try:
        os.mkdir(path)
    except OSError as e:
        raise Failure(f"no pids cgroup: mkdir {path}: {e.strerror}")
    return path


def fork_eagain(ctx, work):
    cg = pids_cgroup()
    try:
        cfg = config(work, {"steady": 'command = "sleep 1000"\n',
                            "victim": 'command = "sleep 999"\nbackoff_max = "500ms"\n'})
        with Tend(ctx, work, ["--config", cfg]) as t:
            t.wait_log("victim: started")
            victim = t.find("sleep", "999")
            with open(f"{cg}/cgroup.procs", "w") as f:
                f.write(str(t.pid))
            with open(f"{cg}/pids.max", "w") as f:
                f.write("1")
            os.kill(victim, signal.SIGKILL)
            t.wait_log("victim: fork: Resource temporarily unavailable", count=2)
            quiet = cpu(t.pid, ctx.p.fault_window)
            fails = len(t.lines("victim: fork: Resource temporarily unavailable"))
            with open(f"{cg}/pids.max", "w") as f:
                f.write("max")
            began = time.monotonic()
            t.find("sleep", "999", other_than=victim)
            return (f"{fails} failed forks retried, {quiet}; back "
                    f"{1000 * (time.monotonic() - began):.0f} ms after the limit was lifted")
    finally:
        deadline = time.monotonic() + 10
        while os.path.exists(cg) and time.monotonic() < deadline:
            try:
                os.rmdir(cg)
            except OSError:
                time.sleep(0.1)


def long_line(ctx, work):
    size = ctx.p.fault_line_mb * 1000 * 1000
    r, w = os.pipe()
    counts = {"x": 0, "pieces": 0, "after": False}

    def reader():
        partial = b""
        while True:
            data = os.read(r, 1 << 20)
            if not data:
                break
            lines = (partial + data).split(b"\n")
            partial = lines.pop()
            for line in lines:
                text = line.partition(b" | ")[2]
                if text[:1] == b"x":
                    counts["x"] += text.count(b"x")
                    counts["pieces"] += 1
                elif text == b"after":
                    counts["after"] = True
        os.close(r)
    cmd = f"sh -c 'sleep 0.5; head -c {size} /dev/zero | tr \"\\\\0\" x; echo; echo after; exec sleep 1000'"
    thread = threading.Thread(target=reader, daemon=True)
    try:
        with Tend(ctx, work, [cmd], stdout=w, control=False) as t:
            os.close(w)
            w = None
            thread.start()
            base = peak = procfs.rss_anon_kib(t.pid)
            deadline = time.monotonic() + 60
            while not counts["after"] and time.monotonic() < deadline:
                peak = max(peak, procfs.rss_anon_kib(t.pid) or 0)
                time.sleep(0.02)
            if not counts["after"]:
                raise Failure(f"the line was not through within 60 s ({counts['x']} bytes)")
            return (f"{ctx.p.fault_line_mb} MB line: {size - counts['x']} bytes lost, "
                    f"{counts['pieces']} pieces, RssAnon peak +{peak - base} KiB")
    finally:
        if w is not None:
            os.close(w)


def closed_stdout(ctx, work):
    with Tend(ctx, work, ["sh -c 'echo hi; exec >&-; while :; do sleep 1; done'",
                          "sh -c 'exec >&- 2>&-; exec sleep 1000'"], control=False) as t:
        t.wait_log("sh-2: started")
        time.sleep(0.3)
        return cpu(t.pid, ctx.p.fault_window)


def flood(path, n, request=None, connect_for=10.0):
    """n connections at once, each sending request (if any) on connecting;
    (connected sockets, how many never connected)."""
    socks, deadline = [], time.monotonic() + connect_for
    while len(socks) < n and time.monotonic() < deadline:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
        except BlockingIOError:
            s.close()
            time.sleep(0.005)
            continue
        socks.append(s)
        if request:
            try:
                s.send(request)
            except OSError:
                pass  # dropped already: counted as unanswered
    return socks, n - len(socks)


def control_flood(ctx, work):
    n = ctx.p.fault_clients
    with Tend(ctx, work, ["sleep 1000"]) as t:
        fds = procfs.fd_count(t.pid)
        socks, missing = flood(t.sock, n, request=b'{"v":1,"cmd":"status"}\n')
        answered = 0
        for s in socks:
            s.setblocking(True)
            s.settimeout(10)
            try:
                data = b""
                while b"\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                answered += b"\n" in data
            except OSError:
                pass
        for s in socks:
            s.close()
        deadline = time.monotonic() + 5
        while procfs.fd_count(t.pid) > fds and time.monotonic() < deadline:
            time.sleep(0.05)
        return (f"{answered}/{n} clients got a reply line"
                + (f" ({missing} never connected)" if missing else "")
                + f", {fds_text(fds, procfs.fd_count(t.pid))}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port):
    began = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            ok = s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, time.monotonic() - began


def slowloris(ctx, work):
    n = ctx.p.fault_slow
    port = free_port()
    with Tend(ctx, work, ["--http-listen", f"127.0.0.1:{port}", "sleep 1000"]) as t:
        t._wait(lambda: http_get(port)[0], 5, "HTTP endpoint")
        fds = procfs.fd_count(t.pid)
        slow_http, slow_ctl = [], []
        for _ in range(n):
            h = socket.create_connection(("127.0.0.1", port), timeout=5)
            h.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: a")
            h.setblocking(False)
            slow_http.append(h)
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(t.sock)
            c.sendall(b'{"v":1,"cmd":"status","x":"a')
            slow_ctl.append(c)
        opened = time.monotonic()
        time.sleep(0.5)
        ok, get_s = http_get(port)
        code, _, _, ctl_s = t.ctl("status", timeout=5)
        dropped = set()
        while len(dropped) < n and time.monotonic() - opened < 10:
            for i, h in enumerate(slow_http):
                try:
                    while h.recv(65536):
                        pass
                    dropped.add(i)
                except BlockingIOError:
                    pass
                except ConnectionResetError:
                    dropped.add(i)
            time.sleep(0.1)
        drop_s = time.monotonic() - opened
        for c in slow_ctl:
            c.close()
        for h in slow_http:
            h.close()
        deadline = time.monotonic() + 5
        while procfs.fd_count(t.pid) > fds and time.monotonic() < deadline:
            time.sleep(0.05)
        return (f"fresh GET {'200' if ok else 'failed'} in {1000 * get_s:.0f} ms, status "
                f"{'ok' if code == 0 else 'failed'} in {1000 * ctl_s:.0f} ms; {len(dropped)}/{n} "
                f"HTTP dropped in {drop_s:.1f} s; {fds_text(fds, procfs.fd_count(t.pid))}")


def startup_term(ctx, work):
    services = {f"now{i}": f'command = "sleep {1000 + i}"\n' for i in range(50)}
    services["gate"] = 'type = "oneshot"\ncommand = "sleep 2"\n'
    services.update({f"later{i}": f'command = "sleep {2000 + i}"\ndepends_on = ["gate"]\n'
                     for i in range(49)})
    with Tend(ctx, work, ["--grace", "5", "--config", config(work, services)],
              control=False) as t:
        t.wait_log("gate: started", timeout=20)
        os.kill(t.pid, signal.SIGTERM)
        rc, took = t.exit_within(10)
        started = len(t.lines(r"^tend: \S+: started"))
        termed = len(t.lines(r"^tend: \S+: killed by SIGTERM"))
        return (f"{started} of 100 started; exit {rc} in {took:.2f} s, "
                f"{termed}/{started} got SIGTERM")


# -- issue 12's defects ------------------------------------------------------

def vanished_reader(ctx, work):
    r, w = os.pipe()
    os.close(r)  # the reader is gone before tend writes anything
    try:
        with Tend(ctx, work, ["sleep 1000", "sh -c 'while :; do echo more; sleep 0.1; done'"],
                  stdout=w, control=False) as t:
            os.close(w)
            w = None
            t.wait_log("sh: started")
            time.sleep(0.3)
            quiet = cpu(t.pid, ctx.p.fault_window)
            restarted = restarts_after_kill(t, ("sleep", "1000"))
            said = len(t.lines("(?i)stdout"))
            return (f"{quiet}, kill: {restarted}, {said} line{'' if said == 1 else 's'} about it "
                    "on stderr")
    finally:
        if w is not None:
            os.close(w)


def low_fd_flood(ctx, work):
    with Tend(ctx, work, ["sleep 1000", "sleep 999"], wrap=["prlimit", "--nofile=64:64", "--"]) as t:
        socks, missing = flood(t.sock, 200, connect_for=1)
        time.sleep(0.3)
        quiet = cpu(t.pid, ctx.p.fault_window)
        restarted = restarts_after_kill(t, ("sleep", "999"), timeout=3)
        for s in socks:
            s.close()
        deadline, code = time.monotonic() + 5, None
        while code != 0 and time.monotonic() < deadline:
            code = t.ctl("status", timeout=3)[0]
            time.sleep(0.1)
        return (f"{len(socks)} clients held: {quiet}, kill: {restarted}; tendctl after "
                f"{'works' if code == 0 else 'fails'}")


def reload_churn(ctx, work):
    def write(names, tag):
        return config(work, {n: f'command = "sleep {1000 + ord(n)}"\n' for n in names},
                      extra=f"# {tag}\n")
    cfg = write("abc", 0)
    with Tend(ctx, work, ["--config", cfg], control=False) as t:
        t.wait_log("c: started")
        n, warm = ctx.p.fault_reloads, 10
        fds = rss = None
        for i in range(1, n + 1):
            write("ade" if i % 2 else "abc", i)
            os.kill(t.pid, signal.SIGHUP)
            t.wait_log("reloaded: 2 added, 2 removed", count=i, timeout=20)
            if i == warm:
                fds, rss = procfs.fd_count(t.pid), procfs.rss_anon_kib(t.pid)
        time.sleep(0.3)
        return (f"{n - warm} reloads: {fds_text(fds, procfs.fd_count(t.pid))}, "
                f"{rss_text(rss, procfs.rss_anon_kib(t.pid))}")


def fifo_nobody_reads(ctx, work):
    fifo = work / "out.fifo"
    os.mkfifo(fifo)
    holder = os.open(fifo, os.O_RDWR)  # a reader that never reads
    out = os.open(fifo, os.O_WRONLY)
    try:
        with Tend(ctx, work, ["--grace", "1", "yes filler"], stdout=out, control=False) as t:
            t.wait_log("yes: started")
            time.sleep(1)
            os.kill(t.pid, signal.SIGTERM)
            rc, took = t.exit_within(1 + 2)
            said = "logged exit, " if t.lines("exiting with status") else ""
            return (f"exit {rc} in {took:.1f} s" if rc is not None
                    else f"{said}still running {took:.0f} s after SIGTERM (grace 1 s)")
    finally:
        os.close(out)
        os.close(holder)


def stopped_service(ctx, work):
    with Tend(ctx, work, ["--grace", "2", "sleep 1000"], control=False) as t:
        t.wait_log("sleep: started")
        os.kill(t.find("sleep", "1000"), signal.SIGSTOP)
        time.sleep(0.2)
        os.kill(t.pid, signal.SIGTERM)
        rc, took = t.exit_within(10)
        killed = " after SIGKILL" if t.lines("SIGKILL") else ""
        return f"exit {rc} in {took:.1f} s{killed} (grace 2 s)"


def run_briefly(ctx, work, args, env, seconds=5):
    """tend as PID 1 that should refuse to start: (exit status or None if it still
    ran after `seconds` and was killed with its namespace, stderr)."""
    argv = ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", "--", ctx.tend, *args]
    try:
        r = subprocess.run(argv, env={**ENV, **env}, cwd=work, capture_output=True, text=True,
                           timeout=seconds, preexec_fn=_die_with_parent)
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stderr.decode(errors="replace") if e.stderr else ""


def control_on_a_file(ctx, work):
    precious = work / "precious.txt"
    precious.write_text("keep\n")
    code, err = run_briefly(ctx, work, ["--control", str(precious), "sleep 1000"],
                            {"TEND_SYSLOG": ""})
    kept = precious.is_file() and precious.read_text() == "keep\n"
    said = "said so" if "precious.txt" in err else "said nothing"
    ran = "still ran after 5 s" if code is None else f"exited {code}"
    return f"tend {ran}, the file {'kept' if kept else 'deleted'}, {said}"


def second_tend(ctx, work):
    """A second tend given the first's control socket (explicitly, TEND_CONTROL) must
    not take it: it refuses to start at once, and the first keeps answering."""
    with Tend(ctx, work, ["sleep 1000"]) as first:
        code, err = run_briefly(ctx, work, ["tail -f /dev/null"],
                                {"TEND_CONTROL": first.sock, "TEND_SYSLOG": ""})
        said = next((line for line in err.splitlines() if "control" in line), err.strip())
        what = ("the second still ran after 5 s" if code is None
                else f"the second exited {code} ({said.strip()[:70]})")
        alive = first.ctl("status")[0] == 0
        return what + "; the first's socket after: " + ("works" if alive else "gone")


def logs_beyond_ring(ctx, work):
    n, asked = 30000, 20000
    with Tend(ctx, work, [f"sh -c 'seq 1 {n}; echo done; exec sleep 1000'"],
              stdout=open(work / "out", "wb")) as t:
        t._wait(lambda: "done" in (work / "out").read_text()[-20:], 30, "30,000 lines")
        code, out, err, _ = t.ctl("logs", "sh", "-n", str(asked), timeout=30)
        got = len(out.splitlines())
        return (f"tendctl logs -n {asked}: exit {code}, {got} lines"
                + (f", said: {err.strip()[:60]}" if err.strip() else ", nothing said"))


def reload_beyond_fds(ctx, work):
    cfg = config(work, {f"s{i}": f'command = "sleep {1000 + i}"\n' for i in range(3)})
    with Tend(ctx, work, ["--config", cfg], wrap=["prlimit", "--nofile=200:200", "--"]) as t:
        t.wait_log("s2: started")
        config(work, {f"s{i}": f'command = "sleep {1000 + i}"\n' for i in range(101)})
        code, _, err, _ = t.ctl("reload", timeout=30)
        deadline, running = time.monotonic() + 5, 0
        while running < 101 and time.monotonic() < deadline:
            running = sum(s["state"] == "running" for s in t.status().values())
            time.sleep(0.3)
        verdict = "ok" if code == 0 else f"failed ({err.strip()[:50]})"
        return f"reload {verdict}; {running}/101 running"


# (key, label, function); the label goes into results.md.
CASES = (
    ("crash_loop", "crash loop, backoff 0", crash_loop),
    ("exec_loop", "exec failure loop, backoff 0", exec_failure_loop),
    ("orphans", "orphans reaped", orphans),
    ("fork_eagain", "fork fails with EAGAIN (pids cgroup)", fork_eagain),
    ("long_line", "a line without newline", long_line),
    ("closed_stdout", "services close stdout/stderr", closed_stdout),
    ("control_flood", "parallel control clients", control_flood),
    ("slowloris", "slowloris, HTTP and control", slowloris),
    ("startup_term", "SIGTERM during start-up of 100", startup_term),
    ("vanished_reader", "tend's output reader gone (#1)", vanished_reader),
    ("low_fds", "200 clients, RLIMIT_NOFILE 64 (#4)", low_fd_flood),
    ("reload_churn", "alternating reloads (#3)", reload_churn),
    ("fifo_exit", "SIGTERM, stdout a FIFO nobody reads (#7)", fifo_nobody_reads),
    ("stopped", "SIGTERM with a SIGSTOPped service (#9)", stopped_service),
    ("control_file", "--control on a regular file (#10)", control_on_a_file),
    ("second_tend", "second tend on the same socket (#10)", second_tend),
    ("logs_n", "logs -n 20000 of 30,000 lines (#11)", logs_beyond_ring),
    ("reload_fds", "reload to 101 services, 200 fds (#12)", reload_beyond_fds),
)
