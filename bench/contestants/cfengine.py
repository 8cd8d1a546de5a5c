"""The cfe-docker recipe on Debian's cfengine3: PID 1 is a bash script that writes
processes_run.csv from its arguments, runs cf-agent once, then `cf-execd -F`,
which runs cf-agent every minute (schedule `any`). The policy has a `processes:`
promise per name and a `commands:` promise that runs the command through a
shell when the name is missing."""

import shutil
import time

from harness.box import Box
from harness.contestant import Contestant, Launch

WORKDIR = "/var/lib/cfengine3"  # Debian's; the recipe's /var/cfengine

ENTRYPOINT = f"""#!/bin/bash
# docker_processes_run.sh: "basename, command" per argument, then CFEngine.
for cmd in "$@"
do
  file=${{cmd%% *}}
  base=${{file##*/}}
  echo "$base, $cmd" >> {WORKDIR}/inputs/processes_run.csv
done

{WORKDIR}/bin/cf-agent
{WORKDIR}/bin/cf-execd -F
"""

PROMISES = """body common control
{
inputs => { "processes.cf" };
bundlesequence => { "processes" };
}

body executor control
{
exec_command => "$(sys.workdir)/bin/cf-agent";
schedule => { "any" };  # cf-execd wakes once a minute
}
"""

PROCESSES = r"""bundle agent processes
{
vars:
  "count" int => readstringarray("ensure_running", "$(sys.workdir)/inputs/processes_run.csv", "#[^\n]*", ",\s*", 100, 10000);
  "indices" slist => getindices("ensure_running");
  "process_names" slist => filter("[0-9]+", "indices", "true", "true", 100);

processes:
  "$(process_names)"
    process_select => first_word_is("$(process_names)"),  # adaptation, see below
    restart_class => canonify("not_running_$(process_names)");

commands:
  "$(ensure_running[$(process_names)][1]) > /dev/null < /dev/null 2>&1 &"
    contain => shell,
    ifvarclass => canonify("not_running_$(process_names)");
}

# As published, the promiser alone is matched as a regex against each whole `ps`
# line, and PID 1's line holds every command, so every name seems to run.
body process_select first_word_is(name)
{
command => "(\S*/)?$(name)(\s.*)?";
process_result => "command";
}

body contain shell
{
useshell => "true";
}
"""


class CFEngine(Contestant):
    name = "cfengine"
    packages = ("cfengine3",)
    binaries = ("cf-execd", "cf-agent", "bash")
    restart_timeout = 150.0
    kills = {"full": 5, "quick": 0}
    poll_period = 60.0
    restart_note = "cf-execd runs cf-agent once a minute; kills land at a random phase"
    output_path = None
    output_note = "the recipe sends every service's output to /dev/null"
    liveness_na = ("no health checks: the recipe's `processes:` promise looks only at the "
                   "process table, where a hung process still runs: it is never restarted")
    adaptations = (
        "Paths follow Debian's cfengine3: `/var/cfengine` becomes `/var/lib/cfengine3` "
        "(whose bin/ links to /usr/bin). Each start bind-mounts a fresh copy of that "
        "directory (keys copied from the package's) in its own mount namespace, as a "
        "fresh container would have.",
        "The `processes:` promise gets a `process_select` body that matches the name as "
        "the first word of the command. As published the name is matched anywhere in each "
        "`ps` line, and PID 1's line (`docker_processes_run.sh <every command>`) holds "
        "every name, so CFEngine thinks everything runs and starts nothing.",
        "Services are named by distinct executables (svc001, ...) as the recipe requires "
        "(basename = process name).",
    )

    published = False  # True: the processes: promise without the adaptation

    def launch(self, work, services, ctx):
        root = work / "cfengine3"
        for d in ("inputs", "outputs", "state", "modules", "ppkeys", "plugins"):
            (root / d).mkdir(parents=True, mode=0o700)
        (root / "bin").symlink_to("/usr/bin")
        shutil.copytree(f"{WORKDIR}/ppkeys", root / "ppkeys", dirs_exist_ok=True)
        processes = PROCESSES
        if self.published:
            processes = "\n".join(line for line in PROCESSES.splitlines()
                                  if "process_select =>" not in line)
        for name, text in (("promises.cf", PROMISES), ("processes.cf", processes)):
            (root / "inputs" / name).write_text(text)
            (root / "inputs" / name).chmod(0o600)
        entry = work / "docker_processes_run.sh"
        entry.write_text(ENTRYPOINT)
        entry.chmod(0o755)
        return Launch([entry, *(s.command for s in services)],
                      prelude=f"mount --bind {root} {WORKDIR}")

    def checks(self, ctx):
        """Run the policy as published (paths adapted only) to confirm the adaptation."""
        published = CFEngine()
        published.published = True
        services = ctx.workloads.sleepers(3)
        with Box(ctx, published, services) as box:
            time.sleep(8)
            procs = box.procs()
            up = sum(bool(box.instances(s, procs)) for s in services)
        return [f"Checked on this run: with the policy as published (paths adapted only), "
                f"{up} of {len(services)} services had started after 8 s."]


CONTESTANT = CFEngine()
