"""`keras-video models` and `keras-video summary`."""

import subprocess


def keras_video(*args):
    return subprocess.run(["keras-video", *args], capture_output=True, text=True)


def test_models_lists_presets_with_counts():
    result = keras_video("models", "x3d_x*")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert set(lines) == {"x3d_xs", "x3d_xl"}
    assert lines["x3d_xs"][2:5] == ["4x160x160", "3.79", "0.605"]
    assert lines["x3d_xl"][2:5] == ["16x312x312", "11.10", "35.838"]


def test_models_without_counts_and_family_filter():
    result = keras_video("models", "--no-counts", "--family", "r2plus1d_paper")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert "r2plus1d_18" in names and "rmc5_18" in names and "x3d_xs" not in names
    assert "GMACs" not in result.stdout.splitlines()[0]


def test_summary_reports_counts_and_endpoints():
    result = keras_video("summary", "r2plus1d_18")
    assert result.returncode == 0, result.stderr
    assert "31,505,325" in result.stdout and "20.260" in result.stdout
    assert "res5        (1, 7, 7, 512)" in result.stdout
    smaller = keras_video("summary", "r2plus1d_18", "--frames", "16", "--size", "56")
    assert "res5        (2, 4, 4, 512)" in smaller.stdout


def test_bad_arguments_are_usage_errors():
    unknown = keras_video("summary", "r2plus1d_81")
    assert unknown.returncode == 2 and "closest: r2plus1d_18" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()[-1]) > 0
    empty = keras_video("models", "no_such_*", "--no-counts")
    assert empty.returncode == 2 and "no preset matches" in empty.stderr
