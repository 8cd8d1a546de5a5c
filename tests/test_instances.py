"""`instances = N` (issue 17): N copies of one program, NAME-1 ... NAME-N,
each with TEND_INSTANCE and `{instance}` substituted; the group's name
means all of them in tendctl; a reload changes only the instances that
come or go; what cannot be per instance is refused."""
import json
import os
import signal
import socket
import subprocess
import threading

from conftest import TEND, proc_stat, wait_until

# Prints its number twice (from the environment and from its argument),
# then sleeps as `sleep 10K` so each instance can be found by its cmdline.
WORKER = """[services.worker]
instances = {n}
command = ["/bin/sh", "-c", "echo env=$TEND_INSTANCE arg=$0; exec sleep 100{{instance}}", "a{{instance}}"]
backoff_initial = "10ms"
"""


def start(tend, ctl, cfg):
    t = tend("--config", str(cfg), env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    return t


def sleepers(t):
    """{k: host pid} of every `sleep 100K` under tend."""
    out = {}
    for p in t.processes():
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        st = proc_stat(p)
        if argv[0] == b"sleep" and st and st[0] != "Z":
            out[int(argv[1].decode()) - 1000] = p
    return out


def wait_sleepers(t, ks, what="instances"):
    return wait_until(lambda: (lambda s: s if set(s) == set(ks) else None)(sleepers(t)),
                      what=what)


def environ(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        return dict(kv.decode().split("=", 1) for kv in f.read().split(b"\0") if b"=" in kv)


def status(ctl, *names):
    r = ctl("--json", "status", *names)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["services"]


def test_each_instance_gets_its_number_in_env_and_arguments(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(WORKER.format(n=3))
    t = start(tend, ctl, cfg)
    for k in (1, 2, 3):
        t.out.wait_for(rf"^worker-{k} \| env={k} arg=a{k}$")
        t.err.wait_for(rf"worker-{k}: started")
    pids = wait_sleepers(t, [1, 2, 3])
    for k, pid in pids.items():
        assert environ(pid)["TEND_INSTANCE"] == str(k)
    views = status(ctl, "worker")
    assert [(v["name"], v["group"], v["instance"]) for v in views] == [
        ("worker-1", "worker", 1), ("worker-2", "worker", 2), ("worker-3", "worker", 3)]
    r = ctl("status", "worker")
    assert [l.split()[0] for l in r.stdout.splitlines()[1:]] == ["worker-1", "worker-2", "worker-3"]


def test_the_group_name_means_every_instance(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(WORKER.format(n=3))
    t = start(tend, ctl, cfg)
    first = wait_sleepers(t, [1, 2, 3])

    r = ctl("stop", "worker")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: not sleepers(t), what="every instance stopped")
    assert [v["state"] for v in status(ctl, "worker")] == ["stopped"] * 3

    assert ctl("start", "worker").returncode == 0
    again = wait_sleepers(t, [1, 2, 3])
    assert not set(again.values()) & set(first.values())
    assert ctl("wait", "worker", "--timeout", "5").returncode == 0

    assert ctl("restart", "worker-2").returncode == 0
    t.err.wait_for(r"worker-2: started", count=3)
    after = wait_until(lambda: (lambda s: s if len(s) == 3 and s[2] != again[2] else None)(
        sleepers(t)), what="worker-2 restarted")
    assert after[1] == again[1] and after[3] == again[3]  # only worker-2

    assert ctl("signal", "USR1", "worker").returncode == 0  # sleep dies of SIGUSR1
    for k in (1, 2, 3):
        t.err.wait_for(rf"worker-{k}: killed by SIGUSR1")
    r = ctl("status", "work")
    assert r.returncode == 1 and "unknown service 'work'" in r.stderr


def test_logs_of_the_group_merge_every_instance(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(WORKER.format(n=2))
    t = start(tend, ctl, cfg)
    wait_sleepers(t, [1, 2])
    r = ctl("--json", "logs", "worker")
    assert r.returncode == 0, r.stderr
    lines = json.loads(r.stdout)["lines"]
    assert sorted((l["service"], l["line"]) for l in lines) == [
        ("worker-1", "env=1 arg=a1"), ("worker-2", "env=2 arg=a2")]
    assert [l["time"] for l in lines] == sorted(l["time"] for l in lines)
    r = ctl("logs", "worker")
    assert sorted(r.stdout.splitlines()) == ["worker-1 | env=1 arg=a1", "worker-2 | env=2 arg=a2"]
    r = ctl("logs", "worker-2")
    assert r.stdout.splitlines() == ["env=2 arg=a2"]

    # -f follows every instance of the group.
    link = tmp_path / "tendctl"
    link.symlink_to(TEND)
    follow = subprocess.Popen(
        [str(link), "--socket", ctl.sock, "--json", "logs", "worker", "-n", "0", "-f"],
        stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(10, follow.kill)  # a missing line fails, never hangs
    watchdog.start()
    try:
        assert json.loads(follow.stdout.readline())["ok"]  # following from here on
        assert ctl("restart", "worker").returncode == 0
        got = sorted((l["service"], l["line"]) for l in
                     (json.loads(follow.stdout.readline())["line"] for _ in range(2)))
        assert got == [("worker-1", "env=1 arg=a1"), ("worker-2", "env=2 arg=a2")]
    finally:
        watchdog.cancel()
        follow.kill()
        follow.wait()


def test_a_reload_starts_or_stops_only_the_instances_that_come_or_go(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(WORKER.format(n=3))
    t = start(tend, ctl, cfg)
    three = wait_sleepers(t, [1, 2, 3])

    cfg.write_text(WORKER.format(n=5))
    r = ctl("reload")
    assert r.returncode == 0, r.stderr
    t.err.wait_for(r"reloaded: 2 added, 0 removed, 0 changed, 3 unchanged")
    five = wait_sleepers(t, [1, 2, 3, 4, 5])
    assert {k: five[k] for k in (1, 2, 3)} == three

    cfg.write_text(WORKER.format(n=2))
    assert ctl("reload").returncode == 0
    t.err.wait_for(r"reloaded: 0 added, 3 removed, 0 changed, 2 unchanged")
    two = wait_sleepers(t, [1, 2], what="three instances stopped")
    assert two == {1: three[1], 2: three[2]}
    assert [v["name"] for v in status(ctl)] == ["worker-1", "worker-2"]

    # Anything else of the group changes every instance.
    cfg.write_text(WORKER.format(n=2) + "stop_timeout = 3\n")
    assert ctl("reload").returncode == 0
    t.err.wait_for(r"reloaded: 0 added, 0 removed, 2 changed, 0 unchanged")
    wait_until(lambda: (lambda s: len(s) == 2 and not set(s.values()) & set(two.values()))(
        sleepers(t)), what="both instances restarted")


def test_a_dependency_on_the_group_waits_for_every_instance(tend, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text("""[services.worker]
instances = 2
command = "sleep 100{instance}"
ready_after = "0.{instance}s"
[services.web]
command = "sleep 1000"
depends_on = ["worker"]
""")
    t = tend("--config", str(cfg))
    t.err.wait_for(r"web: started")
    text = t.err.text()
    assert text.index("worker-2: ready") < text.index("web: started")
    assert text.index("worker-1: ready") < text.index("web: started")


def test_instances_share_the_group_s_listen_sockets(tend, tmp_path):
    path = tmp_path / "w.sock"
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f"""[services.srv]
instances = 2
command = ["/usr/bin/python3", "-c", '''
import os, socket
print("fds", os.environ["LISTEN_FDS"], os.environ["LISTEN_FDNAMES"], flush=True)
s = socket.socket(fileno=3)
while True:
    c, _ = s.accept()
    c.sendall(("pid %d\\n" % os.getpid()).encode())
    c.close()
''']
listen = "unix:{path}"
""")
    t = tend("--config", str(cfg))
    t.out.wait_for(r"^srv-1 \| fds 1 srv$")
    t.out.wait_for(r"^srv-2 \| fds 1 srv$")
    servers = wait_until(lambda: (lambda ps: ps if len(ps) == 2 else None)(
        [p for p in t.processes() if (proc_stat(p) or ("", ""))[1] == "python3"]),
        what="two servers")
    assert len({os.readlink(f"/proc/{p}/fd/3") for p in servers}) == 1  # one socket
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(2)
        c.connect(str(path))
        assert c.recv(100).startswith(b"pid ")


def check(tmp_path, text):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(text)
    r = subprocess.run([TEND, "--check", str(cfg)], capture_output=True, text=True, timeout=10)
    return cfg, r


def test_hostile_values_are_clear_errors(tmp_path):
    for value, want in [
        ("0", "'instances' must be between 1 and 1000, got 0"),
        ("-1", "'instances' must be between 1 and 1000, got -1"),
        ("100000", "'instances' must be between 1 and 1000, got 100000"),
        ('"3"', "'instances' must be an integer, got a string"),
        ("3.0", "'instances' must be an integer, got a number"),
    ]:
        cfg, r = check(tmp_path, f"[services.w]\ncommand = 'sleep 1'\ninstances = {value}\n")
        assert r.returncode == 2, (value, r.stdout)
        assert f"{cfg}:3:13: {want}" in r.stderr, r.stderr

    cfg, r = check(tmp_path, """[services.w]
instances = 3
command = "sleep 1"
stdout = { file = "/tmp/w.log" }
[services.w-2]
command = "sleep 2"
""")
    assert r.returncode == 2
    assert ("'stdout.file' is /tmp/w.log for both w-1 and w-2 (instances = 3): put {instance} "
            "in it") in r.stderr, r.stderr
    assert (f"service name 'w-2' is taken twice: by instance 2 of 'w' ({cfg}:1) and by service "
            f"'w-2' ({cfg}:5)") in r.stderr, r.stderr

    cfg, r = check(tmp_path, "[services.w]\ninstances = 2\ncommand = 'sleep {instance}'\n")
    assert r.returncode == 0, r.stderr
    assert "[w-1]\n  instance: 1 of w\n  exec:     'sleep' '1'" in r.stdout
    assert "env:      TEND_INSTANCE=2" in r.stdout


def test_a_bad_count_on_reload_changes_nothing(tend, ctl, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(WORKER.format(n=2))
    t = start(tend, ctl, cfg)
    two = wait_sleepers(t, [1, 2])
    cfg.write_text(WORKER.format(n=0))
    r = ctl("reload")
    assert r.returncode == 1 and "'instances' must be between 1 and 1000, got 0" in r.stderr
    t.signal(signal.SIGHUP)
    t.err.wait_for(r"reload rejected")
    assert sleepers(t) == two
