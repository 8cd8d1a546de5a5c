"""Bad input: one line naming the argument, exit 2, nothing started."""
import subprocess

from conftest import TEND


def run(*args, env=None):
    return subprocess.run([TEND, *args], capture_output=True, text=True, timeout=10, env=env)


def test_unbalanced_quote_names_command_and_column():
    r = run("sleep 1000", "echo 'unterminated")
    assert r.returncode == 2
    assert r.stderr == ("tend: command 2 \"echo 'unterminated\", column 6: unbalanced single "
                        "quote: add the closing ' or escape it with \\\n")
    assert r.stdout == ""


def test_empty_command():
    r = run("")
    assert r.returncode == 2
    assert "command 1 \"\", column 1: empty command" in r.stderr


def test_no_command():
    r = run()
    assert r.returncode == 2
    assert r.stderr.startswith("tend: no command given")
    assert r.stderr.count("\n") == 1


def test_unknown_option():
    r = run("--frobnicate", "sleep 1")
    assert r.returncode == 2
    assert "unknown option '--frobnicate'" in r.stderr
    assert r.stderr.count("\n") == 1


def test_bad_env_value_is_named():
    r = run("sleep 1", env={"TEND_GRACE": "forever", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2
    assert "TEND_GRACE: expected seconds" in r.stderr


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "Usage: tend" in r.stdout and "--grace" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("tend ")
