"""tend itself with its defaults: `tend CMD...`, each service one argument holding its
whole command line."""

import os
import subprocess

from harness.contestant import Contestant, Launch


class Tend(Contestant):
    name = "tend"
    restart_note = "restarts at once; backoff only after repeated quick deaths"

    def unavailable(self, ctx):
        if not os.access(ctx.tend, os.X_OK):
            return f"{ctx.tend} not built: {ctx.tend_build_error or 'no binary'}"
        return None

    def executables(self, ctx):
        return [ctx.tend]

    def launch(self, work, services, ctx):
        return Launch([ctx.tend, *(s.command for s in services)])

    def version(self):
        out = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                             text=True, cwd=os.path.dirname(__file__))
        return out.stdout.strip() or "uncommitted"


CONTESTANT = Tend()
