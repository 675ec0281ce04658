"""`make bench`: runs every benchmarks/*.py (except this file and helper modules) one after another.

Each script runs in its own process with its default arguments; a failing script is reported and
the others still run. Exit status: the number of failed scripts (0 when all passed).
"""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
# Helpers that other benchmarks call, not benchmarks themselves.
NOT_BENCHMARKS = {"run_all.py", "torch_model_timer.py"}


def benchmark_scripts():
    return sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS and not p.name.startswith("_"))


def main():
    failed = []
    scripts = benchmark_scripts()
    for index, script in enumerate(scripts, 1):
        print(f"\n=== [{index}/{len(scripts)}] {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.name)
            print(f"!!! {script.name} failed", file=sys.stderr, flush=True)
    print(f"\n{len(scripts) - len(failed)}/{len(scripts)} benchmarks finished" +
          (f"; failed: {', '.join(failed)}" if failed else ""))
    return len(failed)


if __name__ == "__main__":
    sys.exit(main())
