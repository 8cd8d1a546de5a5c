"""completion/tendctl.bash: bash completes tendctl's commands, options,
signal names, and the service names of the running tend, found through the
--control/--socket on the line."""
import os
import subprocess

from conftest import ROOT, wait_until

SCRIPT = os.path.join(ROOT, "completion", "tendctl.bash")


def complete(ctl_link, *words):
    """What bash offers for the last of `words` (the word being typed) on
    `tendctl WORDS...`, the way readline calls the function."""
    line = ["tendctl", *words]
    script = f"""
source {SCRIPT}
complete -p tendctl
COMP_WORDS=({' '.join(_quote(w) for w in [ctl_link, *words])})
COMP_CWORD={len(line) - 1}
COMP_LINE={_quote(' '.join(line))}
_tendctl
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "complete -F _tendctl tendctl", lines[0]
    return sorted(w for w in lines[1:] if w)


def _quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


def test_commands_options_and_signals(ctl):
    link = os.path.join(os.path.dirname(ctl.sock), "tendctl")
    assert complete(link, "") == sorted(
        "status start stop restart signal reload shutdown logs wait events health".split())
    assert complete(link, "re") == ["reload", "restart"]
    assert complete(link, "--") == ["--control", "--help", "--json", "--socket", "--version"]
    assert "-f" in complete(link, "logs", "web", "-")
    assert "--timeout" in complete(link, "wait", "--t")
    assert complete(link, "health", "--a") == ["--all"]
    assert complete(link, "signal", "US") == ["USR1", "USR2"]
    assert complete(link, "reload", "") == []
    # No tend there: no names, no error, no wait.
    assert complete(link, "--socket", ctl.sock, "stop", "") == ["all"]


def test_service_names_from_the_running_tend(tend, ctl):
    link = os.path.join(os.path.dirname(ctl.sock), "tendctl")
    tend("sleep 1000", "sh -c 'exec sleep 999'", "tail -f /dev/null",
         env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    wait_until(lambda: ctl("wait", "all").returncode == 0, what="services up")
    names = ["sh", "sleep", "tail"]
    assert complete(link, "--socket", ctl.sock, "status", "") == names
    assert complete(link, "--control", ctl.sock, "stop", "") == ["all"] + names
    assert complete(link, f"--socket={ctl.sock}", "logs", "-f", "s") == ["sh", "sleep"]
    # Options after the command count too, and the socket may come last.
    assert complete(link, "restart", "--json", "--socket", ctl.sock, "t") == ["tail"]
    assert complete(link, "--socket", ctl.sock, "signal", "HUP", "") == ["all"] + names
    assert complete(link, "--socket", ctl.sock, "signal", "") == sorted(
        "HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP WINCH ALRM".split())
    assert complete(link, "--socket", ctl.sock, "logs", "sh", "") == []  # one name only
    # With TEND_CONTROL, as tendctl itself reads it.
    env_names = subprocess.run(
        ["bash", "--norc", "-c", f"source {SCRIPT}; _tendctl_services {link}"],
        capture_output=True, text=True, timeout=20, env=dict(os.environ, TEND_CONTROL=ctl.sock))
    assert sorted(env_names.stdout.split()) == names
