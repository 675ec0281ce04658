"""Lets a runner file run as a script (`python pipeline/local_runner.py`, which the `tfx` CLI does).

Run that way, Python puts `pipeline/` first on sys.path and `import pipeline` would find
`pipeline/pipeline.py` instead of this package; the runner files call `use_package_imports()` first.
"""

import os
import sys


def use_package_imports(script_file):
    here = os.path.dirname(os.path.abspath(script_file))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    repo_root = os.path.dirname(here)
    if repo_root not in sys.path:
        sys.path.insert(0, repo_root)
