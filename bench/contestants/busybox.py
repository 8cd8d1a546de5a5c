"""busybox syslogd, for figure 13 only (a syslog daemon, not a supervisor): tini -g as
PID 1 runs one shell script that starts `busybox syslogd -n -O -` (foreground, each
message as a line on stdout) and every service in the background, then waits. busybox
syslogd always binds /dev/log (following a symlink there): the mount namespace gets
a /dev of its own (a tmpfs with the usual device nodes bound in and `log` a symlink
to the figure's socket) and a tmpfs on /run for its pidfile, as a container has its
own /dev and /run."""

from harness.contestant import Contestant, Launch
from harness.install import package_version

DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


def private_dev(work, log):
    """A shell prelude giving the mount namespace its own /dev, with /dev/log a
    symlink to log, and its own /run (nothing reaches the machine's)."""
    dev = work / "dev"
    lines = [f"mkdir -p {dev}", f"mount -t tmpfs -o mode=0755,size=64k bench-dev {dev}"]
    lines += [f"touch {dev}/{n} && mount --bind /dev/{n} {dev}/{n}" for n in DEVICES]
    lines += [f"ln -s /proc/self/fd {dev}/fd"]
    lines += [f"ln -s /proc/self/fd/{i} {dev}/{n}"
              for i, n in enumerate(("stdin", "stdout", "stderr"))]
    lines += [f"ln -s {log} {dev}/log", f"mount --rbind {dev} /dev",
              "mount -t tmpfs -o mode=0755,size=1m bench-run /run"]
    return "\n".join(lines)


class SyslogDaemon(Contestant):
    """A syslog daemon that a container runs beside its services under tini."""
    syslog_only = True
    syslog_na = None

    def launch(self, work, services, ctx):
        script = work / "services.sh"
        script.write_text(" ".join(self.daemon_command(work)) + " &\n"
                          + "".join(f"{s.command} &\n" for s in services) + "wait\n")
        return Launch(["tini", "-g", "--", "/bin/sh", script], prelude=self.prelude(work))

    def daemon_command(self, work):
        """Its argv, receiving at self.syslog_path and writing to stdout."""
        raise NotImplementedError

    def prelude(self, work):
        return ""


class Busybox(SyslogDaemon):
    name = "busybox"
    # Debian's busybox and busybox-static conflict: whichever is installed (or busybox).
    packages = ("busybox-static" if package_version("busybox-static") else "busybox", "tini")
    binaries = ("busybox", "tini")
    syslog_comms = ("busybox",)
    syslog_note = "busybox syslogd writes each message to its stdout, tini's"

    def daemon_command(self, work):
        return ["busybox", "syslogd", "-n", "-O", "-"]

    def prelude(self, work):
        return private_dev(work, self.syslog_path)


CONTESTANT = Busybox()
