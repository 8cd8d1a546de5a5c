"""The fifteen figures. Each is a Figure: a title, its metrics, how it is measured
(in words, printed in results.md) and measure(), which fills a Record for one
contestant or raises box.Failure for an n/a."""


class Figure:
    number = 0
    title = ""
    metrics = ()
    syslog = False  # True: the syslog daemons (Contestant.syslog_only) take part too

    def method(self, ctx):
        raise NotImplementedError

    def measure(self, ctx, contestant, rec):
        raise NotImplementedError


def all_figures():
    from .restart import Restart, DaemonRestart
    from .memory import Memory
    from .idle import Idle
    from .startup import Startup
    from .output import Output
    from .reaping import Reaping
    from .shutdown import Shutdown
    from .binary import Binary
    from .health import HangRestart, Scrape
    from .reliability import Reliability
    from .syslog import Syslog
    from .listen import Listen
    from .scale import Scale
    figures = [Restart(), DaemonRestart(), Memory(), Idle(), Startup(), Output(),
               Reaping(), Shutdown(), Binary(), HangRestart(), Scrape(), Reliability(),
               Syslog(), Listen(), Scale()]
    for number, figure in enumerate(figures, 1):
        figure.number = number
    return figures
