"""Issue 17's small gaps: success_exit_status, --critical/TEND_CRITICAL,
env_file read at each start, and JSON lines merged into log_format json.
Each with the hostile inputs it must refuse clearly."""
import json
import os
import signal
import subprocess
import time

from conftest import TEND


def write(path, text):
    path.write_text(text)
    return str(path)


def run(*args, env=None, timeout=10):
    full = dict(os.environ)
    full.pop("TEND_CRITICAL", None)
    full.update(env or {})
    return subprocess.run([TEND, *args], capture_output=True, text=True, timeout=timeout, env=full)


# --- success_exit_status -------------------------------------------------

def test_a_success_status_is_not_restarted_on_failure_and_tend_exits_0(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.job]
command = "sh -c 'echo ran; exit 3'"
restart = "on-failure"
success_exit_status = [0, 3]
""")
    t = tend("--config", cfg)
    assert t.wait() == 0
    t.err.wait_for(r"job: exited with status 3 \(a success status\) after .*; not restarting "
                   r"\(restart=on-failure\)")
    assert len(t.out.matching(r"^job +\| ran$")) == 1


def test_an_unlisted_status_is_still_a_failure(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.job]
command = "sh -c 'exit 4'"
restart = "on-failure"
success_exit_status = [3, "SIGHUP"]
""")
    t = tend("--config", cfg)
    t.err.wait_for(r"job: exited with status 4 after .*; restarting", count=2)
    t.stop()


def test_a_signal_can_be_a_success(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.job]
command = "sh -c 'kill -HUP $$'"
restart = "on-failure"
success_exit_status = "SIGHUP"
""")
    t = tend("--config", cfg)
    assert t.wait() == 0
    t.err.wait_for(r"job: killed by SIGHUP \(a success status\)")


def test_a_oneshot_ending_with_a_success_status_is_done(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.prep]
type = "oneshot"
command = "sh -c 'exit 3'"
success_exit_status = [3]
[services.app]
command = "sh -c 'echo app up; sleep 100'"
depends_on = ["prep"]
""")
    t = tend("--config", cfg)
    t.err.wait_for(r"prep: exited with status 3 \(a success status\) after .* \(done\)")
    t.out.wait_for(r"^app +\| app up$")
    t.signal(signal.SIGTERM)
    assert t.wait() == 0


def test_a_critical_service_ending_with_a_success_ends_tend_with_0(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.main]
command = "sh -c 'sleep 0.3; exit 3'"
restart = "never"
critical = true
success_exit_status = [3]
[services.sidecar]
command = "sleep 100"
""")
    t = tend("--config", cfg)
    assert t.wait() == 0
    t.err.wait_for(r"sidecar: terminated by SIGTERM|sidecar: killed by SIGTERM")


def test_bad_success_statuses_are_refused_with_their_place(tmp_path):
    cases = [
        ("[0, 256]", "tend.toml:3:27: 'success_exit_status': must be an exit status from 0 to 255, got 256"),
        ("[-1]", "must be an exit status from 0 to 255, got -1"),
        ("[99999999999999999]", "got 99999999999999999"),
        ('["3"]', "write an exit status as a number, not a string: 3 without quotes"),
        ('["SIGNOPE"]', "unknown signal 'SIGNOPE'"),
        ('[1.5]', "'success_exit_status[]' must be an exit status from 0 to 255 or a signal name"),
        ("{ a = 1 }", "'success_exit_status' must be an exit status"),
        ("[" + "300, " * 50000 + "]", "got 300"),
    ]
    for value, expected in cases:
        cfg = write(tmp_path / "tend.toml", f'[services.a]\ncommand = "true"\nsuccess_exit_status = {value}\n')
        r = run("--check", cfg)
        assert r.returncode == 2, (value, r.stderr)
        assert expected in r.stderr, (value, r.stderr)
        assert r.stderr.count("\n") <= 3, r.stderr  # one error, however long the list


def test_check_shows_the_success_statuses(tmp_path):
    cfg = write(tmp_path / "tend.toml", '[services.a]\ncommand = "true"\nsuccess_exit_status = [3, 0, "HUP", 3]\n')
    r = run("--check", cfg)
    assert r.returncode == 0, r.stderr
    assert "  success:  exit status 0, 3, SIGHUP\n" in r.stdout


# --- --critical and TEND_CRITICAL -----------------------------------------

def test_critical_from_the_command_line_ends_tend_with_its_status(tend):
    start = time.monotonic()
    t = tend("--critical", "sh", "sleep 1000", "sh -c 'sleep 0.3; exit 4'")
    assert t.wait() == 4
    assert time.monotonic() - start < 5
    t.err.wait_for(r"sh: exited with status 4 after .*; not restarting \(restart=never\)")
    t.err.wait_for(r"sleep: (terminated|killed) by SIGTERM")
    assert len(t.err.matching(r"sh: started")) == 1  # never restarted, despite --restart always


def test_critical_from_the_environment_with_several_names(tend):
    t = tend("sleep 1000", "sh -c 'sleep 0.2; exit 5'", "sh -c 'sleep 100'",
             env={"TEND_CRITICAL": " sleep , sh "})
    assert t.wait() == 5


def test_a_critical_flag_wins_over_the_variable(tend):
    # TEND_CRITICAL names sh (which exits at once); the flag names sleep
    # instead, so sh ending is no reason to stop.
    t = tend("--critical", "sleep", "--restart", "never", "sleep 1", "sh -c 'exit 6'",
             env={"TEND_CRITICAL": "sh"})
    t.err.wait_for(r"sh: exited with status 6")
    assert t.wait() == 0  # sleep ended last, with 0
    assert not t.err.matching(r"critical service sh")


def test_an_empty_critical_variable_names_none(tend):
    t = tend("--restart", "never", "sh -c 'exit 7'", env={"TEND_CRITICAL": ""})
    assert t.wait() == 7


def test_critical_names_a_service_from_a_file_too(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml", """
[services.web]
command = "sleep 1000"
[services.migrate]
command = "sh -c 'sleep 0.2; exit 9'"
restart = "always"
""")
    t = tend("--config", cfg, "--critical", "migrate")
    assert t.wait() == 9
    assert len(t.err.matching(r"migrate: started")) == 1


def test_unknown_or_empty_critical_names_are_start_up_errors():
    r = run("--critical", "ngnix", "/usr/sbin/sshd -D", "nginx -g 'daemon off;'")
    assert r.returncode == 2
    assert r.stderr == ("tend: --critical: no service named 'ngnix' (the services are: sshd, nginx)\n"
                        "tend: 1 error; nothing started\n") or \
        "tend: --critical: no service named 'ngnix' (the services are: sshd, nginx)" in r.stderr, r.stderr
    r = run("sleep 1", env={"TEND_CRITICAL": "sleep,,x"})
    assert r.returncode == 2
    assert "TEND_CRITICAL: empty service name in 'sleep,,x'" in r.stderr
    r = run("--critical", "", "sleep 1")
    assert r.returncode == 2 and "--critical: empty service name" in r.stderr
    r = run("--critical", "x" * 100000, "sleep 1")
    assert r.returncode == 2 and "longer than any service name" in r.stderr
    assert len(r.stderr) < 400
    r = run("sleep 1", "--critical", "sleep")
    assert r.returncode == 2 and "comes after the commands" in r.stderr


def test_check_shows_critical_services(tmp_path):
    cfg = write(tmp_path / "tend.toml", '[services.a]\ncommand = "sleep 1"\n[services.b]\ncommand = "sleep 1"\n')
    r = run("--critical", "b", "--check", cfg)
    assert r.returncode == 0, r.stderr
    assert "[b]\n  exec:     'sleep' '1'\n  type:     simple\n  restart:  never" in r.stdout
    assert ", critical" in r.stdout.split("[b]")[1]
    r = run("--critical", "c", "--check", cfg)
    assert r.returncode == 2 and "no service named 'c' (the services are: a, b)" in r.stderr


# --- env_file read at each start ------------------------------------------

def test_a_oneshot_writes_the_env_file_its_dependent_reads(tend, tmp_path):
    env_file = tmp_path / "app.env"
    cfg = write(tmp_path / "tend.toml", f"""
[services.prep]
type = "oneshot"
command = "sh -c 'echo TOKEN=written-by-prep-$$ > {env_file}'"
[services.app]
command = "sh -c 'echo token=$TOKEN; sleep 100'"
depends_on = ["prep"]
env_file = "{env_file}"
""")
    assert not env_file.exists()  # not there when the configuration is read
    t = tend("--config", cfg)
    line = t.out.wait_for(r"^app +\| token=")[0]
    assert "| token=written-by-prep-" in line, line
    assert env_file.read_text().strip() == "TOKEN=" + line.split("token=")[1]


def test_each_start_reads_the_file_again(tend, tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text("V=one\n")
    cfg = write(tmp_path / "tend.toml", f"""
[services.app]
command = "sh -c 'echo v=$V; sleep 0.3'"
env_file = "{env_file}"
backoff_initial = "50ms"
""")
    t = tend("--config", cfg)
    t.out.wait_for(r"^app +\| v=one$")
    env_file.write_text("V=two\n")
    t.out.wait_for(r"^app +\| v=two$", timeout=5)


def test_a_missing_env_file_fails_the_start_and_is_retried(tend, tmp_path):
    env_file = tmp_path / "late.env"
    cfg = write(tmp_path / "tend.toml", f"""
[services.prep]
type = "oneshot"
command = "true"
[services.app]
command = "sh -c 'echo late=$LATE; sleep 100'"
depends_on = ["prep"]
env_file = "{env_file}"
backoff_initial = "50ms"
backoff_max = "200ms"
""")
    t = tend("--config", cfg)
    t.err.wait_for(rf"app: env_file {env_file} cannot be read \(open: No such file or directory\)")
    t.err.wait_for(r"app: exited with status 126 after .*; restarting")
    assert not t.out.matching(r"late=")  # never started without it
    env_file.write_text("LATE=yes\n")
    t.out.wait_for(r"^app +\| late=yes$", timeout=5)


def test_a_fifo_at_the_env_file_path_never_blocks_tend(tend, tmp_path):
    fifo = tmp_path / "fifo.env"
    cfg = write(tmp_path / "tend.toml", f"""
[services.prep]
type = "oneshot"
command = "mkfifo {fifo}"
[services.app]
command = "sh -c 'echo started; sleep 100'"
depends_on = ["prep"]
env_file = "{fifo}"
""")
    t = tend("--config", cfg)
    t.err.wait_for(rf"app: env_file {fifo} cannot be read \(not a regular file\)")
    t.signal(signal.SIGTERM)  # tend still answers
    t.wait(timeout=5)
    assert not t.out.matching(r"started")


def test_env_file_errors_at_load(tmp_path):
    cfg = write(tmp_path / "tend.toml", f'[services.a]\ncommand = "true"\nenv_file = "{tmp_path}/nope.env"\n')
    r = run("--check", cfg)
    assert r.returncode == 2
    assert (f"tend.toml:3:12: 'env_file' cannot be read: {tmp_path}/nope.env (check the path; if another "
            "service writes it, add that service to depends_on: the file is read at each start)") in r.stderr
    bad = write(tmp_path / "bad.env", "A=1\nthis is no variable\n")
    cfg = write(tmp_path / "tend.toml", f'[services.a]\ncommand = "true"\nenv_file = "{bad}"\n')
    r = run("--check", cfg)
    assert r.returncode == 2 and f"{bad}:2:1: expected KEY=value, got 'this is no variable'" in r.stderr
    r = run("--check", write(tmp_path / "tend.toml", '[services.a]\ncommand = "true"\nenv_file = ""\n'))
    assert r.returncode == 2 and "'env_file' must name a file" in r.stderr
    cfg = write(tmp_path / "tend.toml", f"""
[services.b]
type = "oneshot"
command = "true"
[services.a]
command = "true"
depends_on = ["b"]
env_file = "{tmp_path}/later.env"
""")
    r = run("--check", cfg)
    assert r.returncode == 0, r.stderr
    assert f"  env_file: {tmp_path}/later.env (read at each start)\n" in r.stdout


# --- JSON lines merged ------------------------------------------------------

def json_lines_of(tend, tmp_path, script):
    path = write(tmp_path / "emit.py", script)
    cfg = write(tmp_path / "tend.toml", f"""
[tend]
log_format = "json"
[services.web]
command = ["/usr/bin/python3", "{path}"]
restart = "never"
""")
    t = tend("--config", cfg)
    assert t.wait() == 0
    out = []
    for line in t.out.lines:
        out.append(json.loads(line))  # every line tend writes is valid JSON
    return out


def test_json_object_lines_are_merged(tend, tmp_path):
    lines = json_lines_of(tend, tmp_path, r'''
import sys
w = sys.stdout.buffer.write
w(b'{"level":"warn","msg":"slow query","ms":812,"tags":["db",{"x":null}]}\n')
w(b'{"time":"09:00","service":"db","stream":"log","level":"info"}\n')
w(b'{"time":1,"fields.time":2}\n')
w(b'{"\\u0073ervice":"tend","n":1e999}\n')
w(b'{"\\u0073ervice":"tend"}\r\n')
w(b'[1,2,3]\n')
w(b'plain text\n')
w(b'{"a":"caf\xe9"}\n')
w(b'{"a":1,"a":2}\n')
w(b'{"a":' + b'[' * 8000 + b']' * 8000 + b'}\n')
w(b'{"a":' + b'[' * 31 + b']' * 31 + b'}\n')
w(b'{"big":"' + b'x' * 20000 + b'"}\n')
w(b'{"a":"\\ud800"}\n')
''')
    by_line = {}
    merged = []
    for obj in lines:
        assert obj["service"] == "web" and obj["stream"] == "stdout" and obj["time"].endswith("Z")
        if "line" in obj:
            by_line[obj["line"]] = obj
        else:
            merged.append(obj)
    assert merged[0] == {**merged[0], "level": "warn", "msg": "slow query", "ms": 812,
                         "tags": ["db", {"x": None}]}
    assert merged[1]["fields.time"] == "09:00" and merged[1]["fields.service"] == "db"
    assert merged[1]["fields.stream"] == "log" and merged[1]["level"] == "info"
    assert merged[2]["fields.service"] == "tend"  # escaped to pass for "service": caught
    nested = []
    for _ in range(30):
        nested = [nested]
    assert merged[3]["a"] == nested  # 31 arrays in the object: 32 levels, the bound
    assert len(merged) == 4, merged
    for quoted in ['{"time":1,"fields.time":2}', '{"\\u0073ervice":"tend","n":1e999}', "[1,2,3]",
                   "plain text", '{"a":"caf\ufffd"}', '{"a":1,"a":2}', '{"a":"\\ud800"}']:
        assert quoted in by_line, (quoted, list(by_line))
    deep = [l for l in by_line if l.startswith('{"a":[[[[')]
    assert len(deep) == 1 and len(deep[0]) == 16006  # 8001 levels: quoted whole
    pieces = [l for l in by_line if "xxxx" in l]
    assert len(pieces) == 2 and pieces[0].startswith('{"big":"')  # cut at 16 KiB: quoted pieces


def test_plain_output_and_tendctl_logs_keep_json_lines_as_strings(tend, tmp_path, ctl):
    cfg = write(tmp_path / "tend.toml", """
[tend]
log_format = "json"
[services.web]
command = ["sh", "-c", "echo '{\\"a\\":1}'; sleep 100"]
""")
    t = tend("--config", cfg, env={"TEND_CONTROL": ctl.sock})
    merged = json.loads(t.out.wait_for(r'"a":1')[0])
    assert merged["a"] == 1 and "line" not in merged
    r = ctl("--json", "logs", "web")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["lines"][-1]["line"] == '{"a":1}'  # the protocol's LINE is as before
    t.stop()
    cfg = write(tmp_path / "plain.toml", """
[services.web]
command = ["sh", "-c", "echo '{\\"a\\":1}'; sleep 100"]
""")
    t = tend("--config", cfg)
    t.out.wait_for(r'^web \| \{"a":1\}$')
