"""Service output reaches tend's stdout/stderr as whole, prefixed lines."""
import os
import re
import signal
import time

from conftest import Tend, status_field

WRITER = ("sh -c 'i=0; while [ $i -lt 300 ]; do "
          "echo \"line $i of {n} xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; "
          "i=$((i+1)); done; sleep 1000'")


def test_ten_services_give_whole_unmixed_prefixed_lines(tend):
    t = tend(*[WRITER.replace("{n}", f"w{n}") for n in range(10)])
    t.out.wait_for(r"line 299 of", count=10, timeout=20)
    rx = re.compile(r"^(sh(?:-\d+)?) *\| line (\d+) of (w\d) x{47}$")
    seen = {}
    for line in t.out.lines:
        m = rx.match(line)
        assert m, f"mixed or malformed line: {line!r}"
        name, num, writer = m.groups()
        expected_name = "sh" if writer == "w0" else f"sh-{int(writer[1:]) + 1}"
        assert name == expected_name
        seen.setdefault(writer, []).append(int(num))
    assert all(v == list(range(300)) for v in seen.values()), "lost or reordered lines"
    # Padding: every prefix has the same width.
    assert len({line.index("|") for line in t.out.lines}) == 1


def test_stderr_goes_to_stderr_and_partial_line_is_flushed(tend):
    t = tend("--restart", "never", "sh -c 'echo oops >&2; printf no-newline'")
    assert t.wait() == 0
    assert "sh | oops" in t.err.lines
    assert "sh | no-newline" in t.out.lines
    # Output is logged before the exit it precedes.
    exit_line = next(i for i, l in enumerate(t.err.lines) if "exited with status" in l)
    assert t.err.lines.index("sh | oops") < exit_line


def test_overlong_line_is_split_not_dropped(tend):
    t = tend("--restart", "never", "sh -c 'head -c 40000 /dev/zero | tr \"\\\\0\" a; echo'")
    assert t.wait() == 0
    body = "".join(l.split("| ", 1)[1] for l in t.out.lines)
    assert body == "a" * 40000


def test_no_prefix_passes_output_through(tend):
    t = tend("--no-prefix", "--restart", "never", "echo plain")
    assert t.wait() == 0
    assert t.out.lines == ["plain"]


def test_no_colour_when_not_a_tty(tend):
    t = tend("--restart", "never", "echo x")
    t.wait()
    assert "\033" not in t.out.text()


def test_slow_reader_back_pressures_without_stalling_tend():
    # Nobody reads tend's stdout: `yes` fills that pipe. tend must stop reading
    # yes's pipe instead of buffering without bound, and keep handling events.
    r, w = os.pipe()
    # A small ASan quarantine, so that the sanitizer build measures tend too.
    t = Tend(["yes", "sleep 1000"], stdout=w,
             env={"ASAN_OPTIONS": "quarantine_size_mb=1:thread_local_quarantine_size_kb=64"})
    os.close(w)
    try:
        t.err.wait_for(r"sleep: started")
        time.sleep(1.0)
        before = int(status_field(t.host_pid, "VmRSS")[0])
        time.sleep(2.0)  # `yes` could have written gigabytes by now
        growth_kib = int(status_field(t.host_pid, "VmRSS")[0]) - before
        assert growth_kib < 4 * 1024, growth_kib
        os.kill(t.service_pid("sleep"), signal.SIGKILL)
        t.err.wait_for(r"sleep: started", count=2, timeout=5)
        t.signal(signal.SIGTERM)
        t.err.wait_for(r"exiting with status", timeout=15)
    finally:
        t.stop()
        os.close(r)


def test_output_held_back_by_a_stalled_reader_all_arrives_later():
    # 2000 lines (~100 KiB) written while nobody reads tend's stdout: some
    # stay in tend's buffer. When the reader comes back, every line arrives
    # although the service has gone quiet (nothing new would prompt a write).
    r, w = os.pipe()
    cmd = "sh -c 'i=0; while [ $i -lt 2000 ]; do echo \"n $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done; echo end; sleep 1000'"
    t = Tend([cmd], stdout=w)
    os.close(w)
    try:
        time.sleep(1.5)
        reader = os.fdopen(r, "rb")
        from conftest import Stream
        out = Stream(reader)
        out.wait_for(r"\| end$", timeout=10)
        nums = [int(l.split()[3]) for l in out.lines if " n " in l]
        assert nums == list(range(2000))
    finally:
        t.stop()
