import subprocess

from keras_video import __version__


def keras_video(*args):
    return subprocess.run(["keras-video", *args], capture_output=True, text=True)


def test_version():
    result = keras_video("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"keras-video {__version__}"


COMMANDS = ("env", "models", "summary", "prepare", "check-videos", "make-synthetic", "train", "finetune",
            "evaluate", "export", "demo", "convert")


def test_help_lists_every_command():
    result = keras_video("--help")
    assert result.returncode == 0, result.stderr
    # argparse indents command names by 4 and wrapped descriptions further, at any terminal width
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ") and line[4] != " "}
    assert listed == set(COMMANDS), result.stdout


def test_env_reports_every_component():
    result = keras_video("env")
    assert result.returncode == 0, result.stderr
    for label in ("Python", "TensorFlow", "Keras", "Keras backend", "TFX", "TFMA", "TFDV",
                  "Apache Beam", "PyAV", "TF devices"):
        line = next((l for l in result.stdout.splitlines() if l.startswith(label + " ")), None)
        assert line is not None, f"{label} missing in:\n{result.stdout}"
        assert "not available" not in line, line
    assert "tensorflow" in result.stdout and "CPU" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = keras_video("no-such-verb")
    assert result.returncode == 2 and "invalid choice" in result.stderr
