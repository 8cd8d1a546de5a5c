"""rsyslog, the heavyweight syslog daemon, for figure 13 only (not a supervisor): tini -g
as PID 1 runs one shell script that starts `rsyslogd -n -f rsyslog.conf -i PIDFILE` and
every service in the background, then waits. rsyslog.conf: `module(load="imuxsock"
SysSock.Use="off")` and `input(type="imuxsock" Socket="PATH")` (the figure's socket, its
rate limit at the default), `global(workDirectory=WORKDIR)`, and one `action(type="omfile"
file="/dev/stdout")` in its default format (RSYSLOG_FileFormat): each message
as a line on tini's stdout."""

from .busybox import SyslogDaemon

CONFIG = """global(workDirectory="{work}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{socket}")
action(type="omfile" file="/dev/stdout")
"""


class Rsyslog(SyslogDaemon):
    name = "rsyslog"
    packages = ("rsyslog", "tini")
    binaries = ("rsyslogd", "tini")
    syslog_comms = ("rsyslogd",)
    syslog_note = "rsyslogd (imuxsock, omfile) writes each message to its stdout, tini's"

    def daemon_command(self, work):
        conf = work / "rsyslog.conf"
        conf.write_text(CONFIG.format(work=work, socket=self.syslog_path))
        return ["rsyslogd", "-n", "-f", str(conf), "-i", str(work / "rsyslogd.pid")]


CONTESTANT = Rsyslog()
