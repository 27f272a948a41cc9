"""Every benchmark in turn (proxy, front, pages, build, memory, start-up, page limits), then
all their tables.

`python3 bench/run_all.py [--duration S] [--quick] [--only NAME ...]`. A benchmark that cannot
run (a tool missing, a server failing) is reported and the others still run; the exit status
is then 1.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

import build
import front
import memory
import page_limits
import pages
import proxy
import startup
from harness import (
    MissingTool,
    Table,
    add_arguments,
    load_average,
    machine_summary,
    options_from,
)

BENCHMARKS = {
    "proxy": proxy.run,
    "front": front.run,
    "pages": pages.run,
    "build": build.run,
    "memory": memory.run,
    "startup": startup.run,
    "page-limits": page_limits.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument(
        "--only", nargs="+", choices=sorted(BENCHMARKS), help="run just these benchmarks"
    )
    arguments = parser.parse_args(argv)
    options = options_from(arguments)
    tables: list[Table] = []
    failures: list[str] = []
    started = time.perf_counter()
    for name, run in BENCHMARKS.items():
        if arguments.only and name not in arguments.only:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            tables += run(options)
        except MissingTool as error:
            failures.append(f"{name}: not run, {error}")
        except Exception:  # one broken benchmark must not hide the others' tables
            failures.append(f"{name}: failed\n{traceback.format_exc()}")
    print(machine_summary(options) + "\n")
    for table in tables:
        print(table.markdown())
    for failure in failures:
        print(f"**{failure}**\n")
    print(
        f"All benchmarks took {time.perf_counter() - started:.0f} s; at the end: {load_average()}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
