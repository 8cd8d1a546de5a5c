"""tend.toml, Procfile and processes_run.csv: every setting has its effect,
every error class is reported, nothing starts on bad input."""
import json
import signal
import subprocess
import time

from conftest import TEND, wait_until


def write(path, text):
    path.write_text(text)
    return str(path)


def run_check(*args):
    return subprocess.run([TEND, *args], capture_output=True, text=True, timeout=10)


def test_service_runs_as_its_user_with_limits_env_and_dir(tend, tmp_path):
    env_file = write(tmp_path / "app.env", "# comment\nexport FROM_FILE=yes\nQUOTED='a b'\n")
    cfg = write(tmp_path / "tend.toml", f"""
[services.app]
command = "sh -c 'echo id=$(id -u):$(id -g) groups=$(id -G) nofile=$(ulimit -n) core=$(ulimit -c) cwd=$(pwd) umask=$(umask) nice=$(nice) home=$HOME g=$GREETING f=$FROM_FILE q=$QUOTED; sleep 100'"
user = "nobody"
group = "nogroup"
env = {{ GREETING = "hi ${{TEND_TEST_VAR}}" }}
env_file = "{env_file}"
rlimits = {{ nofile = 77, core = 0 }}
working_dir = "/tmp"
umask = "027"
nice = 7
""")
    t = tend("--config", cfg, env={"TEND_TEST_VAR": "there"})
    line = t.out.wait_for(r"^app \| id=")[0]
    assert "id=65534:65534" in line
    assert "nofile=77 core=0 cwd=/tmp umask=0027 nice=7" in line
    assert "g=hi there f=yes q=a b" in line
    assert "home=/nonexistent" in line


def test_dependencies_order_start_and_stop(tend, tmp_path):
    trap = "sh -c 'trap \"echo {0} stopping; sleep 0.2; exit 0\" TERM; echo {0} up; while :; do sleep 0.05; done'"
    cfg = write(tmp_path / "tend.toml", f"""
[services.web]
command = '''{trap.format("web")}'''
depends_on = ["db", "cache"]
[services.db]
command = '''{trap.format("db")}'''
[services.cache]
command = '''{trap.format("cache")}'''
depends_on = ["db"]
""")
    t = tend("--config", cfg)
    t.out.wait_for(r"web up")
    t.err.wait_for(r"web: started")  # stderr is read by another thread than stdout
    started = [l.split(":")[1].strip() for l in t.err.matching(r": started \(pid")]
    assert started == ["db", "cache", "web"]  # in dependency order, not file order
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    stops = [l.split("| ")[1] for l in t.out.matching(r"stopping$")]
    assert stops == ["web stopping", "cache stopping", "db stopping"]


def test_oneshot_runs_before_its_dependents(tend, tmp_path):
    marker = tmp_path / "prepared"
    cfg = write(tmp_path / "tend.toml", f"""
[services.app]
command = "sh -c 'cat {marker}; sleep 100'"
depends_on = ["prepare"]
[services.prepare]
type = "oneshot"
command = "sh -c 'sleep 0.3; echo ready > {marker}'"
""")
    t = tend("--config", cfg)
    t.out.wait_for(r"^app +\| ready$")
    t.err.wait_for(r"prepare: exited with status 0 after .* \(done\)")


def test_failed_oneshot_aborts_start_up_with_its_status(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.app]
command = "sleep 100"
depends_on = ["prepare"]
[services.prepare]
type = "oneshot"
command = "sh -c 'echo broken config >&2; exit 3'"
""")
    t = tend("--config", cfg)
    assert t.wait() == 3
    t.err.wait_for(r"prepare: exited with status 3 .*oneshot failed: aborting start-up")
    assert not t.err.matching(r"app: started")


def test_schedule_waits_for_its_time(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.tick]
type = "oneshot"
schedule = "*/5 * * * *"
command = "echo tick"
[services.idle]
command = "sleep 100"
""")
    t = tend("--config", cfg)
    line = t.err.wait_for(r"tick: next run at \d{4}-\d\d-\d\dT\d\d:\d\d:00.000Z")[0]
    minute = int(line.split("T")[1].split(":")[1])
    assert minute % 5 == 0
    assert not t.err.matching(r"tick: started")


def test_critical_service_takes_tend_down_with_its_status(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.db]
command = "sh -c 'sleep 0.3; exit 4'"
restart = "never"
critical = true
[services.web]
command = "sleep 100"
""")
    t = tend("--config", cfg)
    assert t.wait() == 4
    t.err.wait_for(r"critical service db ended; stopping")


def test_crash_loop_limit_marks_fatal(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.flaky]
command = "sh -c 'exit 1'"
backoff_initial = "10ms"
start_limit = 3
start_limit_window = "1m"
[services.ok]
command = "sleep 100"
""")
    t = tend("--config", cfg)
    t.err.wait_for(r"flaky: started 3 times within 1m0s; marked fatal and left down")
    time.sleep(0.3)
    assert len(t.err.matching(r"flaky: started \(pid")) == 3
    assert t.proc.poll() is None


def test_stop_signal_timeout_and_command(tend, tmp_path):
    log = tmp_path / "stop.log"
    cfg = write(tmp_path / "tend.toml", f"""
[tend]
grace = 20
[services.polite]
command = "sh -c 'trap \\"echo got INT; exit 0\\" INT; trap \\"\\" TERM; echo up; while :; do sleep 0.05; done'"
stop_signal = "INT"
[services.deaf]
command = "sh -c 'trap \\"\\" TERM; echo up; while :; do sleep 0.05; done'"
stop_timeout = 1
[services.managed]
command = "sh -c 'echo up; while [ ! -e {log} ]; do sleep 0.05; done; echo stopped by command'"
stop_command = "sh -c 'echo stop command ran > {log}'"
""")
    t = tend("--config", cfg)
    t.out.wait_for(r"\| up$", count=3)
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    rc = t.wait()
    took = time.monotonic() - start
    assert 0.9 < took < 5, took  # deaf's stop_timeout, not the 20 s grace
    assert rc == 137  # deaf had to be killed
    t.out.wait_for(r"^polite +\| got INT$")
    t.out.wait_for(r"^managed +\| stopped by command$")
    t.err.wait_for(r"deaf: still running 1.0s after the stop request; sending SIGKILL")
    assert log.read_text() == "stop command ran\n"


def test_output_modes_file_null_and_rotation(tend, tmp_path):
    logfile = tmp_path / "w.log"
    cfg = write(tmp_path / "tend.toml", f"""
[services.w]
command = "sh -c 'i=0; while [ $i -lt 300 ]; do echo line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo to-null >&2; sleep 100'"
stdout = {{ file = "{logfile}", max_size = "4K", keep = 2 }}
stderr = "null"
""")
    t = tend("--config", cfg)
    def has_last_line():
        try:  # rotation renames the file away for a moment
            return "line 299" in logfile.read_text()
        except FileNotFoundError:
            return False
    wait_until(has_last_line, what="log file")
    rotated = [tmp_path / "w.log.1", tmp_path / "w.log.2"]
    assert all(p.exists() for p in rotated)
    assert not (tmp_path / "w.log.3").exists()
    assert all(p.stat().st_size <= 4096 for p in [logfile, *rotated])
    time.sleep(0.2)
    assert not t.out.matching(r"line") and not t.err.matching(r"to-null")


def test_json_log_format(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[tend]
log_format = "json"
[services.w]
command = "sh -c 'echo \\"hi \\\\\\"there\\\\\\"\\"; echo oops >&2; sleep 100'"
""")
    t = tend("--config", cfg)
    t.out.wait_for(r'"stream":"stdout"')
    t.err.wait_for(r'"stream":"stderr"')
    out = json.loads(t.out.lines[0])
    assert out["service"] == "w" and out["line"] == 'hi "there"' and out["time"].endswith("Z")
    own = [json.loads(l) for l in t.err.lines if '"service":"tend"' in l]
    assert own and own[0]["stream"] == "log" and own[0]["level"] == "info"


def test_procfile_and_cfe_csv_as_they_are(tend, tmp_path):
    procfile = write(tmp_path / "Procfile", "# a Procfile\nweb: sh -c 'echo web here; sleep 100'\n\nclock: sleep 100\n")
    csv = write(tmp_path / "processes_run.csv",
                "# STRUCTURE: PROCESS_NAME, START_COMMAND\nsleepy, sh -c 'echo from csv; exec sleep 100'\n")
    t = tend("--procfile", procfile, "--cfe-csv", csv, "sleep 200")
    t.out.wait_for(r"^web +\| web here$")
    t.out.wait_for(r"^sleepy +\| from csv$")
    for name in ("web", "clock", "sleepy", "sleep"):
        t.err.wait_for(rf"{name}: started")


def test_errors_are_all_reported_and_nothing_starts(tmp_path):
    cfg = write(tmp_path / "tend.toml", """[tend]
grace = "forever"
[services.a]
command = "sleep 1"
restrat = "always"
user = "no-such-user"
depends_on = ["b"]
[services.b]
command = "sleep 1"
depends_on = ["a"]
group = "no-such-group"
[services.c]
shell = true
""")
    procfile = write(tmp_path / "Procfile", "a: sleep 2\n")
    r = subprocess.run([TEND, "--config", cfg, "--procfile", procfile], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    for want in [
        f"{cfg}:2:9: 'grace' must be a duration",
        f"{cfg}:5:1: unknown key 'restrat' in service 'a' (did you mean 'restart'?)",
        f"{cfg}:6:8: unknown user 'no-such-user'",
        f"{cfg}:11:9: unknown group 'no-such-group'",
        f"{cfg}:12:1: service 'c' has no 'command'",
        "dependency cycle: a -> b -> a",
        f"{procfile}:1:1: duplicate service name 'a' (first defined at {cfg}:3)",
    ]:
        assert any(want in l for l in lines), f"missing {want!r} in:\n{r.stderr}"
    assert lines[-1] == "tend: 7 errors; nothing started"
    assert r.stdout == ""


def test_check_prints_resolved_services(tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.web]
command = "nginx -g 'daemon off;'"
user = "nobody"
depends_on = ["init"]
[services.init]
type = "oneshot"
command = "true"
""")
    r = run_check("--check", cfg)
    assert r.returncode == 0, r.stderr
    assert "exec:     'nginx' '-g' 'daemon off;'" in r.stdout
    assert "user:     uid 65534 (nobody)" in r.stdout
    assert "after:    init" in r.stdout
    assert r.stdout.rstrip().endswith("OK: 2 services")
    bad = write(tmp_path / "bad.toml", "[services.x]\ncomand = 'y'\n")
    r = run_check("--check", bad)
    assert r.returncode == 2
    assert "unknown key 'comand' in service 'x' (did you mean 'command'?)" in r.stderr


def test_default_config_path_is_read(tmp_path):
    # /etc/tend/tend.toml is read when nothing else is given: check it in a
    # private mount namespace so the machine's /etc is untouched.
    cfg = tmp_path / "etc-tend"
    (cfg / "conf.d").mkdir(parents=True)
    (cfg / "tend.toml").write_text("[services.main]\ncommand = 'true'\n")
    (cfg / "conf.d" / "10-extra.toml").write_text("[services.extra]\ncommand = 'true'\n")
    r = subprocess.run(["unshare", "--mount", "sh", "-c",
                        f"mkdir -p /etc/tend && mount --bind {cfg} /etc/tend && {TEND} --check"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert "[main]" in r.stdout and "[extra]" in r.stdout


def test_reload_adds_removes_changes_and_keeps(tend, tmp_path):
    base = """
[services.keep]
command = "sleep 101"
[services.change]
command = "sleep 102"
[services.drop]
command = "sleep 103"
"""
    cfg = tmp_path / "tend.toml"
    cfg.write_text(base)
    t = tend("--config", str(cfg))
    for n in ("keep", "change", "drop"):
        t.err.wait_for(rf"{n}: started")
    keep_pid = t.service_pid("sleep")
    def pid_of(arg):
        return next(p for p in t.processes() if arg in open(f"/proc/{p}/cmdline").read())
    keep_pid = pid_of("101")
    cfg.write_text("""
[services.keep]
command = "sleep 101"
[services.change]
command = "sleep 104"
[services.added]
command = "sleep 105"
""")
    t.signal(signal.SIGHUP)
    t.err.wait_for(r"reloaded: 1 added, 1 removed, 1 changed, 1 unchanged")
    t.err.wait_for(r"added: started")
    t.err.wait_for(r"change: started", count=2)
    wait_until(lambda: not any("103" in open(f"/proc/{p}/cmdline").read() for p in t.processes()),
               what="dropped service gone")
    assert pid_of("104") and pid_of("105")
    assert pid_of("101") == keep_pid  # untouched

    cfg.write_text("[services.keep]\ncommand = 'sleep 101'\nbogus = 1\n")
    t.signal(signal.SIGHUP)
    t.err.wait_for(r"unknown key 'bogus'")
    t.err.wait_for(r"reload rejected: 1 error\(s\); the running services are unchanged")
    time.sleep(0.2)
    assert pid_of("101") == keep_pid and pid_of("104") and pid_of("105")
