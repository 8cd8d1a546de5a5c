"""One file per contestant, each defining CONTESTANT (a harness.contestant.Contestant).
Every module here is a contestant; ORDER fixes the first columns of results.md and
any other module follows in alphabetical order."""

import importlib
import pkgutil

ORDER = ("tend", "supervisord", "s6", "runit", "monit", "tini", "cfengine")


def names():
    found = sorted(m.name for m in pkgutil.iter_modules(__path__))
    return [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]


def load(wanted=None):
    return [importlib.import_module(f"{__name__}.{n}").CONTESTANT for n in (wanted or names())]
