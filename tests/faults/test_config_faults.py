"""Configurations that tried to break tend (issue 12): deep nesting, long
keys and names, NUL bytes, hex numbers, a PATH of the service's own, output
files in missing directories. The invariants: tend never crashes, a bad
configuration exits 2 at start and with --check with an error that names
the place, and as PID 1 a SIGHUP to a bad configuration is rejected while
the running services keep running."""
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import TEND, wait_until

SERVICE = '[services.keeper]\ncommand = "sleep 1001"\n'

# Each shape once crashed toml++ (SIGSEGV, exit 139) or went through unbounded.
DEEP = {
    "table header": "[" + "a." * 80000 + "b]\n",
    "array of tables": "[[" + "a." * 80000 + "b]]\n",
    "dotted key": SERVICE + "env." * 80000 + "A = 1\n",
    "inline tables": SERVICE + "stdout = " + "{ a = " * 80000 + "1" + " }" * 80000 + "\n",
    "arrays": SERVICE + "depends_on = " + "[" * 80000 + "]" * 80000 + "\n",
}
DEEP_ERROR = r"nested deeper than 32 levels"


def write(path, text):
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def run(*args, env=None):
    return subprocess.run([TEND, *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "TEND_CONTROL": "", **(env or {})})


def assert_rejected(r, where, what):
    """Exit 2, not a crash, with an error line naming the place and the problem."""
    assert r.returncode == 2, f"exit {r.returncode} (139 or < 0 is a crash):\n{r.stderr[-2000:]}"
    assert re.search(re.escape(where) + r".*" + what, r.stderr), r.stderr[-2000:]
    assert all(len(line) < 400 for line in r.stderr.splitlines()), "an error line is flooded"
    assert r.stdout == ""


def pid_of(t, arg):
    def find():
        for p in t.processes():
            try:
                if arg in open(f"/proc/{p}/cmdline").read():
                    return p
            except FileNotFoundError:
                pass
        return None
    return wait_until(find, what=f"a process with {arg!r}")


@pytest.mark.parametrize("shape", DEEP)
def test_deep_nesting_is_an_error_with_its_place(tmp_path, shape):
    cfg = write(tmp_path / "n.toml", DEEP[shape])
    assert_rejected(run("--check", "--config", cfg), f"{cfg}:", DEEP_ERROR)
    assert_rejected(run("--config", cfg), f"{cfg}:", DEEP_ERROR)


def test_long_keys_and_huge_files_are_errors_with_their_place(tmp_path):
    cfg = write(tmp_path / "k.toml", "[services." + "k" * 200000 + "]\ncommand = 'true'\n")
    assert_rejected(run("--check", cfg), f"{cfg}:1:2:", "key longer than 1024 bytes")
    big = write(tmp_path / "big.toml", SERVICE + "# padding\n" * 200000)
    assert_rejected(run("--check", big), f"{big}:", "past 1 MiB")


def test_sighup_to_a_bad_config_is_rejected_and_services_keep_running(tend, tmp_path):
    cfg = tmp_path / "tend.toml"
    write(cfg, SERVICE)
    t = tend("--config", str(cfg))
    keeper = pid_of(t, "1001")
    bad = dict(DEEP)
    bad["NUL escape"] = SERVICE + '[services.b]\ncommand = "echo a\\u0000b"\n'
    bad["long name"] = SERVICE + f"[services.{'n' * 65}]\ncommand = 'true'\n"
    bad["missing output directory"] = (
        SERVICE + '[services.w]\ncommand = "true"\nstdout = { file = "/nonexistent/dir/w.log" }\n')
    for n, (shape, text) in enumerate(bad.items(), 1):
        write(cfg, text)
        t.signal(signal.SIGHUP)
        t.err.wait_for(r"reload rejected: \d+ error\(s\); the running services are unchanged",
                       count=n, timeout=15)
        assert t.proc.poll() is None, f"tend died on a reload of {shape}"
        assert pid_of(t, "1001") == keeper, f"the service was touched by a reload of {shape}"
    assert t.err.matching(re.escape(str(cfg)) + r":1:\d+: " + DEEP_ERROR)
    # Still reloads a good one.
    write(cfg, SERVICE + '[services.added]\ncommand = "sleep 1002"\n')
    t.signal(signal.SIGHUP)
    t.err.wait_for(r"reloaded: 1 added, 0 removed, 0 changed, 1 unchanged")
    assert pid_of(t, "1002") and pid_of(t, "1001") == keeper


def test_nul_bytes_are_errors_with_their_place(tmp_path):
    procfile = write(tmp_path / "Procfile", b"web: echo a\0b\n")
    assert_rejected(run("--procfile", procfile), f"{procfile}:1:12:", "NUL byte")
    csv = write(tmp_path / "processes_run.csv", b"sshd, /usr/sbin/sshd -D\0x\n")
    assert_rejected(run("--cfe-csv", csv), f"{csv}:1:24:", "NUL byte")
    toml = write(tmp_path / "tend.toml", '[services.a]\ncommand = "echo a\\u0000b"\n')
    assert_rejected(run("--config", toml), f"{toml}:2:18:", r"'\\u0000' is a NUL character")
    env_file = write(tmp_path / "a.env", b"A=1\nB=x\0y\n")
    toml = write(tmp_path / "env.toml", f'[services.a]\ncommand = "true"\nenv_file = "{env_file}"\n')
    assert_rejected(run("--check", toml), f"{env_file}:2:4:", "NUL byte")


def test_explicit_names_over_64_bytes_are_errors_stating_the_limit(tmp_path):
    procfile = write(tmp_path / "Procfile", "ok: true\n" + "w" * 100000 + ": true\n")
    assert_rejected(run("--check", procfile), f"{procfile}:2:1:",
                    r"is 100000 bytes, more than the limit of 64")
    csv = write(tmp_path / "p.csv", "c" * 65 + ", true\n")
    assert_rejected(run("--check", csv), f"{csv}:1:1:", "is 65 bytes, more than the limit of 64")
    toml = write(tmp_path / "t.toml", f"[services.{'t' * 65}]\ncommand = 'true'\n")
    assert_rejected(run("--check", toml), f"{toml}:1:1:", "more than the limit of 64")


def test_derived_names_are_cut_to_64_bytes(tend, tmp_path):
    long_name = "d" * 200
    os.symlink(shutil.which("sh"), tmp_path / long_name)
    script = f"{tmp_path / long_name} -c 'echo hello; exec sleep 1003'"
    t = tend(script, script)
    for name in ("d" * 64, "d" * 62 + "-2"):
        t.err.wait_for(rf"^tend: {name}: started")
    lines = t.out.wait_for(r"\| hello$", count=2)
    assert all(len(l.split("|")[0].rstrip()) <= 64 for l in lines), lines


def test_tendctl_refuses_a_name_over_64_bytes_and_tend_runs_on(tend, tmp_path):
    tmp = tempfile.mkdtemp(prefix="tendctl-faults-")
    try:
        link = os.path.join(tmp, "tendctl")
        os.symlink(TEND, link)
        sock = os.path.join(tmp, "tend.sock")
        t = tend("sleep 1004", env={"TEND_CONTROL": sock})
        wait_until(lambda: os.path.exists(sock), what="control socket")
        r = subprocess.run([link, "--socket", sock, "stop", "x" * 100], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode != 0
        assert "is 100 bytes: no service has a name longer than 64" in r.stderr
        r = subprocess.run([link, "--socket", sock, "status"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 0 and "sleep" in r.stdout
        assert t.proc.poll() is None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("option,value", [
    ("--grace", "0x10"), ("--grace", "1e1"), ("--grace", "+5"), ("--scan-interval", "0x1"),
    ("--scan-interval", "inf"), ("TEND_GRACE", "0x10"), ("TEND_SCAN_INTERVAL", " 5"),
])
def test_numbers_are_decimal_only(option, value):
    if option.startswith("--"):
        r = run(f"{option}={value}", "sleep 1")
    else:
        r = run("sleep 1", env={option: value})
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"tend: {option}: expected seconds between"), r.stderr


def test_tendctl_numbers_are_decimal_only(tmp_path):
    link = tmp_path / "tendctl"
    os.symlink(TEND, link)
    for args in (["wait", "x", "--timeout", "0x10"], ["logs", "x", "-n", "0x10"],
                 ["logs", "x", "-n", " 5"]):
        r = subprocess.run([str(link), "--socket", str(tmp_path / "none.sock"), *args],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (args, r.stderr)
        assert "needs" in r.stderr, r.stderr


def test_a_service_finds_its_command_in_its_own_path(tend, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    prog = bin_dir / "tend-fault-prog"
    prog.write_text("#!/bin/sh\necho \"$1 found\"\nexec sleep 1005\n")
    prog.chmod(0o755)
    env_file = write(tmp_path / "path.env", f"PATH={bin_dir}:/usr/bin:/bin\n")
    cfg = write(tmp_path / "tend.toml", f"""
[services.from_env]
command = "tend-fault-prog env"
env = {{ PATH = "{bin_dir}:/usr/bin:/bin" }}
[services.from_env_file]
command = ["tend-fault-prog", "env_file"]
env_file = "{env_file}"
""")
    t = tend("--config", cfg)
    t.out.wait_for(r"^from_env +\| env found$")
    t.out.wait_for(r"^from_env_file \| env_file found$")
    assert not t.err.matching("cannot execute")


def test_output_file_in_a_missing_directory_is_an_error(tend, tmp_path):
    cfg = write(tmp_path / "tend.toml",
                '[services.w]\ncommand = "true"\nstdout = { file = "/nonexistent/dir/w.log" }\n')
    want = "'stdout.file': directory /nonexistent/dir does not exist"
    assert_rejected(run("--check", cfg), f"{cfg}:3:19:", want)
    t = tend("--config", cfg)  # at start, as PID 1
    assert t.wait() == 2
    assert any(f"{cfg}:3:19: {want}" in l for l in t.err.lines), t.err.text()
