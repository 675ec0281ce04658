"""`keras-video convert`: usage errors, a real .pth to .weights.h5/.keras, loud partial loads."""

import keras
import numpy as np
import pytest

import keras_video
from keras_video.cli.main import main
from keras_video.testing.conversion_check import random_clip, reference_job
from keras_video.testing.torch_reference import run_reference, unavailable_reason

needs_torch = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
CLIP_SHAPE = (8, 32, 32)
NUM_CLASSES = 5


def one_error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


@pytest.mark.parametrize("argv, message", [
    (["--from", "/nonexistent.pth", "--preset", "r3d_18", "--out", "x.weights.h5"], "no such file"),
    (["--from", __file__, "--preset", "r3d_18", "--out", "x.h5"], "must end with .weights.h5 or .keras"),
    (["--from", __file__, "--preset", "i3d", "--out", "x.keras"], "not convertible; choose one of"),
    (["--from", __file__, "--preset", "r3d_18", "--out", "x.keras", "--num-classes", "0"], "must be >= 1"),
])
def test_usage_errors_are_one_line_exit_2(capsys, argv, message):
    assert main(["convert", *argv]) == 2
    assert message in one_error_line(capsys)


def test_unreadable_checkpoint_is_an_error_not_a_crash(tmp_path, capsys):
    bogus = tmp_path / "bogus.pth"
    bogus.write_bytes(b"not a checkpoint")
    assert main(["convert", "--from", str(bogus), "--preset", "r3d_18", "--out", str(tmp_path / "m.keras")]) == 1
    assert "need torch" in capsys.readouterr().err


@pytest.fixture(scope="module")
def mc3_checkpoint(tmp_path_factory):
    """A real mc3_18 .pth written by torch, and its logits for a clip."""
    clip = random_clip(CLIP_SHAPE, seed=3)
    result = run_reference(reference_job("mc3_18", clip, NUM_CLASSES, seed=3), str(tmp_path_factory.mktemp("mc3")))
    return result, clip


@needs_torch
@pytest.mark.slow
def test_convert_to_weights_and_to_keras_file(mc3_checkpoint, tmp_path, capsys):
    result, clip = mc3_checkpoint
    weights_path, model_path = tmp_path / "mc3.weights.h5", tmp_path / "sub" / "mc3.keras"
    assert main(["convert", "--from", result.state_dict_path, "--preset", "mc3_18", "--out", str(weights_path)]) == 0
    assert "122/122 state dict tensors mapped, 0 problem(s)" in capsys.readouterr().out
    model = keras_video.create_model("mc3_18", num_classes=NUM_CLASSES)  # classes taken from the checkpoint
    model.load_weights(weights_path)
    np.testing.assert_allclose(model(clip, training=False), result.logits, atol=1e-4, rtol=0)

    assert main(["convert", "--from", result.state_dict_path, "--preset", "mc3_18", "--out", str(model_path)]) == 0
    loaded = keras.saving.load_model(model_path)
    np.testing.assert_allclose(loaded(clip, training=False), result.logits, atol=1e-4, rtol=0)


@needs_torch
@pytest.mark.slow
def test_wrong_preset_fails_loudly_unless_partial(mc3_checkpoint, tmp_path, capsys):
    result, _ = mc3_checkpoint
    out = tmp_path / "r3d.weights.h5"
    # mc3_18's res3..res5 convs are 1x3x3; r3d_18 wants 3x3x3 there.
    assert main(["convert", "--from", result.state_dict_path, "--preset", "r3d_18", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "shape mismatch" in err and "layer2.0.conv1.0.weight" in err
    assert "(128, 64, 1, 3, 3)" in err and "(3, 3, 3, 64, 128)" in err  # both shapes shown
    assert not out.exists()
    assert main(["convert", "--from", result.state_dict_path, "--preset", "r3d_18", "--out", str(out),
                 "--allow-partial"]) == 0
    captured = capsys.readouterr()
    assert "WARNING: partial conversion" in captured.err and "res3_block0_conv_a/kernel" in captured.err
    assert out.exists() and "wrote" in captured.out
