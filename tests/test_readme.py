"""Every fenced code block in README.md is executed, and the generated sections are up to date.

Rules (visible here on purpose, so nothing is skipped silently):
- ```python blocks run with the runtime's python in a subprocess, in a fresh temporary directory;
- ```sh / ```bash blocks run with `bash -euo pipefail` in a temporary directory whose entries link
  to the checkout's (so `tools/runtime`, `experiments/...` and `../shared/...` resolve as in the
  repository root, while anything a block writes lands in the temporary directory);
- ```text blocks are program output (e.g. the generated `--help` text) and fences without a
  language are diagrams; neither is code (an untagged block that looks like a command fails);
- shell lines starting with a command in SKIPPED_COMMANDS (with any arguments) are removed before
  running: `make test` is this test suite itself and `make demo` is the pipeline's end-to-end run,
  which CI runs and tests/test_pipeline_e2e.py covers;
- shell blocks run with PIPELINE_ENV: the pipeline settings (KERAS_VIDEO_*) point at a tiny
  generated dataset and an output directory in the temporary directory, so the documented `tfx`
  CLI flow really runs, at test size, without touching the checkout's runs/.
Any other fence language fails the test, so a new block cannot slip through unexecuted.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
README = REPO / "README.md"
EXECUTED = {"python": "python", "sh": "shell", "bash": "shell"}
NOT_CODE = {"text", ""}
COMMAND_PREFIXES = ("tools/", "make ", "python", "keras-video", "tfx ", "import ", "from ", "$ ")
SKIPPED_COMMANDS = {
    "make test": "the whole test suite, which includes this test",
    "make demo": "the pipeline's end-to-end run (CI runs it; tests/test_pipeline_e2e.py covers it)",
}
BLOCK_TIMEOUT_S = 600
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

sys.path.insert(0, str(REPO / "tools"))


def readme_blocks(text):
    """[(line number, language, code)] of every fenced block."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, match.group(1).strip().split(" ")[0], match.group(2)))
    return blocks


def _command_of(line):
    return line.split("#", 1)[0].strip()


def _skipped_command(line):
    command = _command_of(line)
    return next((skip for skip in SKIPPED_COMMANDS if command == skip or command.startswith(skip + " ")), None)


def strip_skipped(code):
    """(code without the SKIPPED_COMMANDS lines, the skipped commands)."""
    kept, skipped = [], []
    for line in code.splitlines():
        if _skipped_command(line):
            skipped.append(_skipped_command(line))
        else:
            kept.append(line)
    return "\n".join(kept), skipped


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [b for b in BLOCKS if b[1] in EXECUTED]


def test_every_block_has_a_known_language():
    unknown = [(line, lang) for line, lang, _ in BLOCKS if lang not in EXECUTED and lang not in NOT_CODE]
    assert not unknown, f"README.md blocks with no/unknown language (line, language): {unknown}; " \
                        f"use one of {sorted(EXECUTED)} (executed) or {sorted(NOT_CODE)} (output)"
    assert RUNNABLE, "README.md has no executable block"
    for line, lang, code in BLOCKS:
        if lang == "":
            commands = [l for l in code.splitlines() if l.lstrip().startswith(COMMAND_PREFIXES)]
            assert not commands, f"README.md line {line}: untagged block looks like code {commands}; tag it sh or python"


def test_only_the_listed_commands_are_skipped():
    skipped = [command for _, lang, code in RUNNABLE if EXECUTED[lang] == "shell" for command in strip_skipped(code)[1]]
    assert set(skipped) <= set(SKIPPED_COMMANDS)
    assert "make demo" in skipped and "make test" in skipped, "the set-up block should show both commands"


PIPELINE_SETTINGS = {  # KERAS_VIDEO_<NAME>: the tiny pipeline that README's tfx commands run here
    "EPOCHS": "1", "NUM_FRAMES": "8", "CROP_SIZE": "32", "SHORT_SIDE": "40", "SHORT_SIDE_RANGE": "36 40",
    "BATCH_SIZE": "4", "MIN_TOP1_ACCURACY": "0.0",
    "MODEL_OVERRIDES": '{"stage_depths": [1, 1, 1, 1], "stage_filters": [8, 16, 16, 16], "stem_filters": 8, '
                       '"stem_mid_filters": 8}',
    "BEAM_PIPELINE_ARGS": "--direct_running_mode=in_memory",
}


@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory):
    """PIPELINE_SETTINGS plus a tiny generated dataset and private output/tfx-home directories."""
    from pipeline.demo_data import make_demo_dataset

    base = tmp_path_factory.mktemp("readme_pipeline")
    make_demo_dataset(str(base / "data"), classes=("StaticRing", "StaticCross"), videos_per_class=4, size=40)
    env = {f"KERAS_VIDEO_{key}": value for key, value in PIPELINE_SETTINGS.items()}
    env.update(KERAS_VIDEO_DATA_ROOT=str(base / "data"), KERAS_VIDEO_OUTPUT_DIR=str(base / "out"),
               LOCAL_HOME=str(base / "tfx_home"))
    return env


def _linked_checkout(tmp_path):
    """tmp/checkout/* -> the repository's entries, and tmp/shared -> ../shared."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in (".git", "runs", "demo_output"):
            (checkout / entry.name).symlink_to(entry)
    shared = REPO.parent / "shared"
    if shared.exists():
        (tmp_path / "shared").symlink_to(shared)
    return checkout


# Checkpoints the README's conversion examples name stand for files a user brings; the test
# makes them with the PyTorch reference environment (random weights, the real torch format).
USER_CHECKPOINTS = {"r2plus1d_18.pth": "r2plus1d_18", "X3D_M.pyth": "x3d_m"}  # file -> its preset


def provide_user_checkpoints(code, directory):
    from keras_video.testing import torch_reference
    from keras_video.testing.conversion_check import random_clip, reference_job

    wanted = [name for name in USER_CHECKPOINTS if name in code]
    if not wanted:
        return
    reason = torch_reference.unavailable_reason()
    if reason:
        pytest.skip(f"the block needs a PyTorch checkpoint and {reason}")
    for name in wanted:
        job = reference_job(USER_CHECKPOINTS[name], random_clip((4, 64, 64)), num_classes=400)
        result = torch_reference.run_reference(job, work_dir=str(directory / "torch_work"))
        os.replace(result.state_dict_path, directory / name)


@pytest.mark.slow
@pytest.mark.parametrize("line,language,code", RUNNABLE, ids=[f"line{b[0]}-{b[1]}" for b in RUNNABLE])
def test_readme_block_runs(line, language, code, tmp_path, request):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if EXECUTED[language] == "python":
        script = tmp_path / "block.py"
        script.write_text(code, encoding="utf-8")
        command, cwd = [sys.executable, str(script)], tmp_path
    else:
        code, skipped = strip_skipped(code)
        if not any(_command_of(l) for l in code.splitlines()):
            pytest.skip(f"only {skipped} in this block (see SKIPPED_COMMANDS)")
        env.update(request.getfixturevalue("pipeline_env"))
        cwd = _linked_checkout(tmp_path)
        script = tmp_path / "block.sh"
        script.write_text(code + "\n", encoding="utf-8")
        command = ["bash", "-euo", "pipefail", str(script)]
    provide_user_checkpoints(code, pathlib.Path(cwd))
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
    assert completed.returncode == 0, (
        f"README.md line {line} ({language}) exited {completed.returncode}\n--- code ---\n{code}\n"
        f"--- stdout ---\n{completed.stdout[-3000:]}\n--- stderr ---\n{completed.stderr[-3000:]}"
    )


def test_cli_reference_is_up_to_date():
    import gen_readme_docs

    text = README.read_text(encoding="utf-8")
    assert gen_readme_docs.extract(text, "cli-reference") == gen_readme_docs.cli_reference().rstrip(), \
        "the CLI reference in README.md is stale: run tools/runtime exec -- python tools/gen_readme_docs.py"


# One preset per builder whose counts are recomputed live on every run; the other rows come from
# tools/model_counts.json (fingerprinted per preset config) and are checked for names, inputs and
# references here. `tools/gen_readme_docs.py --count` recounts whatever is missing or stale.
COUNTED_SAMPLE = ("c2d_r50", "conv_inceptionv1", "conv_resnet18", "csn_simple_d_18", "fr2d_18")


def test_model_table_lists_every_preset_with_its_reference():
    import gen_readme_docs

    from keras_video.models.registry import list_models

    rows = gen_readme_docs.parse_models_table(README.read_text(encoding="utf-8"))
    assert sorted(rows) == list_models(), "README model table and registry differ: rerun tools/gen_readme_docs.py"
    for name, cells in rows.items():
        expected = gen_readme_docs.model_row(name, counts=False)
        assert [c for i, c in enumerate(expected) if i not in (3, 4)] == \
               [c for i, c in enumerate(cells) if i not in (3, 4)], name


@pytest.mark.parametrize("name", COUNTED_SAMPLE)
def test_model_table_counts_match_the_models(name):
    import gen_readme_docs

    rows = gen_readme_docs.parse_models_table(README.read_text(encoding="utf-8"))
    assert rows[name] == gen_readme_docs.model_row(name), f"{name}: rerun tools/gen_readme_docs.py --count"


def test_model_table_matches_the_counts_cache():
    import gen_readme_docs

    text = README.read_text(encoding="utf-8")
    assert gen_readme_docs.extract(text, "models") == gen_readme_docs.models_table().rstrip(), \
        "README model table differs from tools/model_counts.json: rerun tools/gen_readme_docs.py"


def test_replication_results_match_the_results_files():
    import gen_readme_docs

    text = README.read_text(encoding="utf-8")
    assert gen_readme_docs.extract(text, "replication") == gen_readme_docs.replication_results().rstrip(), \
        "README replication tables differ from experiments/results/*.json: rerun tools/gen_readme_docs.py"
