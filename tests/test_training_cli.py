"""`keras-video train/finetune/evaluate/export`: --help, one-line usage errors with exit 2."""

import subprocess

import pytest

VERBS = ("train", "finetune", "evaluate", "export")


def keras_video(*args, cwd=None):
    return subprocess.run(["keras-video", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("verb", VERBS)
def test_help(verb):
    result = keras_video(verb, "--help")
    assert result.returncode == 0 and f"usage: keras-video {verb}" in result.stdout


def assert_usage_error(result, text):
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip() and "0000 00:00" not in line
             and not line.startswith(("WARNING", "To enable"))]
    assert len(lines) == 1 and text in lines[0], result.stderr


def test_train_usage_errors(tmp_path):
    assert_usage_error(keras_video("train", "--preset", "r2plus1d_18", "--data", str(tmp_path), "--model-dir", str(tmp_path / "m")),
                       "no train-*.tfrecord* shards")
    (tmp_path / "train-00000-of-00001.tfrecord.gz").write_bytes(b"")
    assert_usage_error(keras_video("train", "--preset", "no_such_model", "--data", str(tmp_path), "--model-dir", str(tmp_path),
                                   "--num-classes", "3"),
                       "unknown model 'no_such_model'")
    assert_usage_error(keras_video("train", "--preset", "r3d_18", "--data", str(tmp_path), "--model-dir", str(tmp_path),
                                   "--num-classes", "3", "--lr", "-1"), "--lr must be > 0")
    assert_usage_error(keras_video("train", "--preset", "r3d_18", "--data", str(tmp_path), "--model-dir", str(tmp_path),
                                   "--num-classes", "3", "--override", "novalue"), "expected KEY=VALUE")
    assert_usage_error(keras_video("train", "--preset", "r3d_18", "--data", "/nonexistent/*.tfrecord",
                                   "--model-dir", str(tmp_path)), "no files match")


def test_finetune_evaluate_export_usage_errors(tmp_path):
    (tmp_path / "train-00000-of-00001.tfrecord.gz").write_bytes(b"")
    assert_usage_error(keras_video("finetune", "--from", str(tmp_path / "missing.keras"), "--dataset", "ucf101",
                                   "--preset", "r3d_18", "--data", str(tmp_path), "--model-dir", str(tmp_path)),
                       "no such file or directory")
    model = tmp_path / "model.keras"
    model.write_bytes(b"")
    assert_usage_error(keras_video("finetune", "--from", str(model), "--dataset", "ucf101", "--preset", "r3d_18",
                                   "--data", str(tmp_path), "--model-dir", str(tmp_path), "--freeze", "half"),
                       "expected none, all or stage:ENDPOINT")
    assert_usage_error(keras_video("finetune", "--from", str(model), "--dataset", "ucf101", "--preset", "r3d_18",
                                   "--data", str(tmp_path), "--model-dir", str(tmp_path), "--split", "all"),
                       "{split} placeholder")
    assert_usage_error(keras_video("evaluate", "--model", str(model), "--data", str(tmp_path), "--views", "ten"),
                       "expected CLIPSxCROPS")
    assert_usage_error(keras_video("evaluate", "--model", str(model), "--data", str(tmp_path)), "no test-*.tfrecord* shards")
    assert_usage_error(keras_video("export", "--model", str(tmp_path / "x.h5"), "--out", str(tmp_path / "e")),
                       "not a .keras file")
    assert_usage_error(keras_video("export", "--model", str(model), "--out", str(tmp_path / "e")),
                       "--num-frames and --crop-size are required")
