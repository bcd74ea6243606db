"""Before/after table of the existing benchmarks (issue 8 item 7).

Runs each benchmark script in two source trees, the version before a change (e.g.
``git archive f95f32b | tar -x -C /tmp/before``) and this one, alternating which goes
first in each round so that a change in the machine's load falls on both; reads the
timed rows of each printed table and prints one table of medians over the rounds, with
the change in percent (a case is flagged when it is more than 10 % slower). The CPU time
of each whole script run (user + system, ``os.wait4``) is a row too: wall times on a
loaded machine move by tens of percent from run to run, CPU time much less.

Usage: ``python benchmarks/bench_before_after.py --before /tmp/before [--rounds 3]
[--repeats 1] [bench_pipeline.py bench_methods.py]``. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: "tag  what  value unit ..." rows of the benchmark tables (times in s or ms).
ROW = re.compile(r"^([^|\s]\S*)\s+(.*?)\s+(\d+(?:\.\d+)?)\s?(ms|s)\s")
SLOWER = 0.10


def timed_rows(output: str) -> dict[str, float]:
    """Case -> seconds, from the table a benchmark script prints."""
    rows = {}
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            tag, what, value, unit = match.groups()
            rows[f"{tag} {what}"] = float(value) / (1000 if unit == "ms" else 1)
    return rows


def run_script(tree: Path, script: str, repeats: int) -> dict[str, float]:
    """The timed rows of one run of ``script`` in ``tree``, and the CPU time (user +
    system) of the whole run, which a loaded machine inflates less than wall times."""
    child = subprocess.Popen([sys.executable, str(tree / "benchmarks" / script),
                              "--repeats", str(repeats)], cwd=tree, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{script} failed in {tree}")
    return timed_rows(output) | {"whole script, CPU time": usage.ru_utime + usage.ru_stime}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path, help="tree of the old version")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1, help="passed to each script")
    parser.add_argument("scripts", nargs="*", default=["bench_pipeline.py", "bench_methods.py"])
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    times: dict[tuple[str, str, str], list[float]] = {}
    for round_ in range(args.rounds):
        for script in args.scripts:
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for version in order:
                for case, seconds in run_script(trees[version], script, args.repeats).items():
                    times.setdefault((script, case, version), []).append(seconds)
            print(f"round {round_ + 1}: {script} done", file=sys.stderr, flush=True)
    print(f"\n{'script':19}{'case':58}{'before':>9}{'after':>9}{'change':>9}  ok")
    for script, case in dict.fromkeys((s, c) for s, c, _ in times):
        before = statistics.median(times.get((script, case, "before"), [float("nan")]))
        after = statistics.median(times.get((script, case, "after"), [float("nan")]))
        change = after / before - 1
        print(f"{script:19}{case[:57]:58}{before:>8.3f}s{after:>8.3f}s{change:>+8.1%}  "
              f"{'yes' if change <= SLOWER else 'NO'}")
    print(f"\n(medians of {args.rounds} alternating rounds, each the script's own median of "
          f"{args.repeats} repeat(s); the machine is shared and loaded, so single cases "
          "move by more than the change does)")


if __name__ == "__main__":
    main()
