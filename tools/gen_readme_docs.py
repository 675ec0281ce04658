#!/usr/bin/env python3
"""Regenerate the README's generated sections: the CLI reference (from each verb's `--help`) and
the model table (from the preset registry: parameters and multiply-adds counted at the preset's
own input). Run inside the runtime:

    tools/runtime exec -- python tools/gen_readme_docs.py           # rewrite README.md in place
    tools/runtime exec -- python tools/gen_readme_docs.py --check   # exit 1 if README is stale
    tools/runtime exec -- python tools/gen_readme_docs.py --count   # also count new/changed presets

The model table's counts come from tools/model_counts.json, keyed by a fingerprint of each preset's
configuration, because building all presets takes many minutes; `--count` fills in what is missing
or stale (saving after each preset), and tests/test_readme.py recomputes a sample live.

Each generated section sits between `<!-- generated:NAME:begin -->` and
`<!-- generated:NAME:end -->` markers; text outside the markers is never touched.
"""

import argparse
import difflib
import os
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
README = REPO / "README.md"
HELP_COLUMNS = "100"  # argparse wraps to $COLUMNS; fixed so the output does not depend on the terminal
SECTIONS = ("cli-reference", "models", "replication")
RESULTS_DIR = REPO / "experiments" / "results"
EXPERIMENTS = [  # (results file stem, title)
    ("reversal", "S3D-G Table 1 in miniature: normal vs time-reversed test clips"),
    ("r2plus1d_table2", "R(2+1)D Table 2 in miniature: R2D vs MC3 vs R3D vs R(2+1)D at equal depth"),
    ("temporal_pooling", "Deep-analysis paper: the same 3D model with and without temporal pooling"),
]


def _markers(name):
    return f"<!-- generated:{name}:begin -->", f"<!-- generated:{name}:end -->"


def cli_reference():
    """Markdown: `keras-video --help` and every verb's `--help`, in COMMAND_MODULES order."""
    os.environ["COLUMNS"] = HELP_COLUMNS
    from keras_video.cli.main import build_parser

    parser = build_parser()
    blocks = [("keras-video --help", parser.format_help())]
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for verb, sub in subparsers.choices.items():
        blocks.append((f"keras-video {verb} --help", sub.format_help()))
    parts = []
    for title, text in blocks:
        parts.append(f"#### `{title}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def _input_text(shape):
    return "×".join(str(v) for v in shape)


COUNTS_CACHE = REPO / "tools" / "model_counts.json"
NOT_COUNTED = "not counted yet"


def preset_fingerprint(preset):
    """Changes whenever what the counts depend on changes (configs and input shape)."""
    import hashlib
    import json

    payload = json.dumps([preset.backbone, preset.backbone_config, preset.classifier_config, preset.input_shape],
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def count_preset(name):
    """(parameters, multiply-adds) of preset `name` with 400 classes at its own input, computed now."""
    import keras

    from keras_video.models.registry import create_model, get_preset
    from keras_video.utils.counting import count_flops, count_params

    preset = get_preset(name)
    model = create_model(name, num_classes=400)
    counts = count_params(model), count_flops(model, (*preset.input_shape, 3))
    del model
    keras.backend.clear_session()
    return counts


def load_counts_cache():
    import json

    return json.loads(COUNTS_CACHE.read_text()) if COUNTS_CACHE.exists() else {}


def save_counts_cache(cache):
    import json

    COUNTS_CACHE.write_text(json.dumps(dict(sorted(cache.items())), indent=1) + "\n")


def model_row(name, counts=True, cache=None):
    """One table row. counts=True computes the counts now; with a `cache` dict the counts come from
    it when its fingerprint matches (else "not counted yet"); counts=False leaves them `None`."""
    from keras_video.models.registry import get_preset

    preset = get_preset(name)
    params = gmacs = None
    if counts:
        entry = (cache or {}).get(name)
        if cache is not None and not (entry and entry["fingerprint"] == preset_fingerprint(preset)):
            params = gmacs = NOT_COUNTED
        else:
            number_of_params, macs = (entry["params"], entry["macs"]) if cache is not None else count_preset(name)
            params, gmacs = f"{number_of_params:,}", f"{macs / 1e9:.3f}"
    reference = (preset.reference or "—").replace("|", "\\|")
    return [f"`{name}`", preset.family or "—", _input_text(preset.input_shape), params, gmacs, reference]


MODEL_HEADER = ["preset", "family", "input T×H×W", "params (400 classes)", "GMACs at its input", "reference it matches"]


def format_row(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def update_counts_cache(progress=True):
    """Count every preset whose cached counts are missing or stale; saved after each preset, so an
    interrupted run keeps what it counted. Returns the cache."""
    from keras_video.models.registry import get_preset, list_models

    cache = load_counts_cache()
    names = list_models()
    for index, name in enumerate(names):
        fingerprint = preset_fingerprint(get_preset(name))
        if cache.get(name, {}).get("fingerprint") == fingerprint:
            continue
        if progress:
            print(f"[{index + 1}/{len(names)}] counting {name}", file=sys.stderr, flush=True)
        params, macs = count_preset(name)
        cache[name] = {"fingerprint": fingerprint, "params": int(params), "macs": int(macs)}
        save_counts_cache(cache)
    for stale in set(cache) - set(names):
        del cache[stale]
    save_counts_cache(cache)
    return cache


def models_table(cache=None):
    """The table from the counts cache (tools/model_counts.json); run with --count to fill it."""
    from keras_video.models.registry import list_models

    cache = load_counts_cache() if cache is None else cache
    lines = [format_row(MODEL_HEADER), "|" + "|".join("---" for _ in MODEL_HEADER) + "|"]
    for name in list_models():
        lines.append(format_row(model_row(name, cache=cache)))
    return "\n".join(lines) + "\n"


def parse_models_table(readme_text):
    """{preset name: cells} from the README's generated model table."""
    body = extract(readme_text, "models")
    rows = {}
    for line in body.splitlines():
        match = re.match(r"\| `([^`]+)` \|", line)
        if match:
            rows[match.group(1)] = [c.strip() for c in line.strip().strip("|").split(" | ")]
    return rows


def extract(text, name):
    begin, end = _markers(name)
    if begin not in text or end not in text:
        raise ValueError(f"README.md has no {begin} ... {end} section")
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")


def replace(text, name, body):
    begin, end = _markers(name)
    if begin not in text or end not in text:
        raise ValueError(f"README.md has no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body.rstrip()}\n{end}{tail}"


def _stride_text(scale):
    stride = scale.get("frame_stride", 1)
    return f" at frame stride {stride}" if stride > 1 else ""


def _recipe_text(result):
    if "learning_rate" not in result:
        return ""
    return f", SGD at {result['learning_rate']} with dropout {result['dropout']}"


def replication_results():
    """Markdown of the committed experiments/results/*.json: command, seed, sizes, measured table."""
    import json

    parts = []
    for stem, title in EXPERIMENTS:
        path = RESULTS_DIR / f"{stem}.json"
        parts.append(f"### {title}\n")
        if not path.exists():
            parts.append(f"Not run yet (no `experiments/results/{stem}.json`).\n")
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        scale = result["scale"]
        parts.append(
            f"`{result['command']}` (seed {result['seed']}; {result['seconds'] / 60:.1f} min wall-clock as measured, "
            f"on a shared 2-core machine). Data: {result['num_train_videos']} training / {result['num_test_videos']} "
            f"test generated videos of {scale['video_frames']} frames at {scale['video_size']}², classes "
            f"{', '.join(result['classes'])}. Models: one basic block per stage, widths "
            f"{'/'.join(map(str, scale['stage_filters']))}; {scale['epochs']} epochs at batch {scale['batch_size']} on "
            f"{scale['clip_frames']}-frame {scale['crop_size']}² clips{_stride_text(scale)}{_recipe_text(result)}. "
            f"Metric: {result['metric']}.\n"
        )
        parts.append(result["table"] + "\n")
    return "\n".join(parts)


GENERATORS = {"cli-reference": cli_reference, "models": models_table, "replication": replication_results}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when README.md is out of date")
    parser.add_argument("--section", choices=SECTIONS, action="append", help="only this section (repeatable)")
    parser.add_argument("--readme", default=str(README), help="README path (default: the repository's)")
    parser.add_argument("--count", action="store_true",
                        help="first count the presets missing from tools/model_counts.json (slow: builds each model)")
    args = parser.parse_args(argv)
    if args.count:
        update_counts_cache()
    path = pathlib.Path(args.readme)
    text = path.read_text(encoding="utf-8")
    updated = text
    for name in args.section or SECTIONS:
        updated = replace(updated, name, GENERATORS[name]())
    if args.check:
        if updated != text:
            diff = difflib.unified_diff(text.splitlines(), updated.splitlines(), "README.md", "generated", lineterm="")
            print("\n".join(list(diff)[:80]), file=sys.stderr)
            print("README.md is out of date: run tools/runtime exec -- python tools/gen_readme_docs.py", file=sys.stderr)
            return 1
        print("README.md generated sections are up to date")
        return 0
    if updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
