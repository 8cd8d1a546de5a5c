"""Hooks (issue 17): commands run on a service's events, with the event in
their environment, never delaying the service, one at a time per event."""
import json
import time

from conftest import wait_until


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def test_an_exit_hook_gets_the_event_and_a_slow_hook_delays_nothing(tend, tmp_path):
    log = tmp_path / "hook.log"
    cfg = tmp_path / "tend.toml"
    # The hook takes 1.5 s; the service crashes every ~50 ms meanwhile.
    cfg.write_text(f"""[services.crash]
command = ["sh", "-c", "echo about to fail; sleep 0.05; exit 7"]
backoff_initial = "10ms"
backoff_max = "10ms"
start_limit = 0
hooks = {{ exited = ["sh", "-c", "echo $TEND_SERVICE $TEND_EVENT $TEND_EXIT_STATUS $TEND_PID >> {log}; echo \\"$TEND_EVENT_JSON\\" > {log}.json; sleep 1.5"] }}
""")
    t = tend("--config", str(cfg))
    t.err.wait_for(r"crash: hook for 'exited' .* started \(pid \d+\)")
    time.sleep(2.5)
    starts = len(t.err.matching(r"crash: started"))
    runs = len(t.err.matching(r"crash: hook for 'exited' .* started"))
    # Restarts went on at their pace while the hook slept ...
    assert starts >= 15, starts
    # ... and the exits during a run were coalesced into one more run each time.
    assert 1 <= runs <= 3, runs
    first = log.read_text().splitlines()[0].split()
    assert first[:3] == ["crash", "exited", "7"], first
    assert int(first[3]) > 0
    event = json.loads((tmp_path / "hook.log.json").read_text())
    assert event["type"] == "exited" and event["exit_code"] == 7
    assert event["last_lines"][0]["line"] == "about to fail"


def test_a_hook_over_its_timeout_is_killed_and_a_fatal_hook_runs(tend, tmp_path):
    mark = tmp_path / "fatal.mark"
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f"""[services.flaky]
command = ["sh", "-c", "exit 1"]
backoff_initial = "10ms"
start_limit = 3
hook_timeout = "300ms"
hooks = {{ restarting = "sleep 100", fatal = ["sh", "-c", "echo $TEND_EVENT > {mark}"] }}
[services.calm]
command = "sleep 1000"
""")
    t = tend("--config", str(cfg))
    wait_until(lambda: mark.exists() and mark.read_text() == "fatal\n", what="the fatal hook")
    t.err.wait_for(r"flaky: hook for 'restarting' killed by SIGKILL \(hook_timeout\)", timeout=5)
    assert t.zombies() == []
    wait_until(lambda: not [p for p in t.processes() if cmdline(p).startswith("sleep\0100")],
               what="the hook's sleep gone")


def test_shutdown_tasks_run_after_the_services_stop_and_their_output_appears(tend, tmp_path):
    order = tmp_path / "order"
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f"""[services.flush]
type = "shutdown"
command = ["sh", "-c", "echo flushing; echo flush >> {order}"]
[services.web]
command = ["sh", "-c", "trap 'echo web >> {order}; exit 0' TERM; while :; do sleep 0.05; done"]
[services.last]
type = "shutdown"
command = ["sh", "-c", "echo last >> {order}; exit 5"]
""")
    t = tend("--config", str(cfg))
    t.err.wait_for(r"web: started")
    time.sleep(0.3)
    assert not order.exists()  # the tasks wait for the shutdown
    t.signal(15)
    rc = t.wait(timeout=20)
    assert order.read_text().split() == ["web", "flush", "last"]
    assert "flush | flushing" in t.out.text()
    err = t.err.text()
    assert "running shutdown tasks" in err
    assert "last: exited with status 5" in err and "(shutdown task failed)" in err
    assert rc == 5  # a failed task's status is tend's
