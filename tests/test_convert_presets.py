"""Every convertible preset reproduces its public PyTorch twin after conversion.

The torch reference interpreter builds each torchvision/pytorchvideo model with random weights
and randomized BN statistics (eval mode), saves a real `.pth` and the logits of a random clip; we
convert that file with the torch-free reader and compare logits: max |diff| <= 1e-4 in float32,
equal argmax, and every state dict tensor accounted for. Small clips keep it fast; the heads are
global (or window-clipped) pools on both sides, so any clip size is a faithful comparison.
"""

import numpy as np
import pytest

import keras_video
from keras_video.convert import convertible_presets
from keras_video.testing.conversion_check import check_conversions
from keras_video.testing.torch_reference import unavailable_reason

TOLERANCE = 1e-4
# (frames, height, width) per preset: the smallest clips that keep every stage non-empty.
CLIP_SHAPES = {
    "r3d_18": (8, 32, 32),
    "mc3_18": (8, 32, 32),
    "r2plus1d_18": (8, 32, 32),
    "s3d": (8, 64, 64),
    "x3d_xs": (4, 64, 64),
    "x3d_s": (4, 64, 64),
    "x3d_m": (4, 64, 64),
    "x3d_l": (4, 64, 64),
    "csn_r101": (8, 64, 64),
    "r2plus1d_r50": (4, 64, 64),
    "i3d_r50": (4, 64, 64),
    "slow_r50": (4, 64, 64),
    "c2d_r50": (4, 64, 64),
}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]


def test_every_convertible_preset_is_verified_and_exists():
    assert set(CLIP_SHAPES) == set(convertible_presets())
    missing = set(convertible_presets()) - set(keras_video.list_models())
    assert not missing, f"mappings for presets that do not exist: {missing}"


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    """All references in one torch process (its start-up dominates small models)."""
    return check_conversions(CLIP_SHAPES, str(tmp_path_factory.mktemp("torch-reference")))


@pytest.mark.parametrize("preset", sorted(CLIP_SHAPES))
def test_converted_logits_match_pytorch(checks, preset):
    check = checks[preset]
    summary = (f"{preset} {check.clip_shape}: max|diff| {check.max_abs_diff:.2e}, torch's own float32 noise "
               f"{check.torch_float32_noise:.2e}, logits up to {np.abs(check.torch_logits).max():.2f}")
    assert check.max_abs_diff <= TOLERANCE, summary
    assert check.keras_argmax == check.torch_argmax, summary
    # Logits must vary enough for the bound and the argmax to mean something.
    assert np.ptp(check.torch_logits) > 100 * TOLERANCE, summary


@pytest.mark.parametrize("preset", sorted(CLIP_SHAPES))
def test_every_state_dict_tensor_is_mapped(checks, preset):
    check = checks[preset]
    assert check.report.ok, check.report.format_problems()
    assert check.mapped == check.state_dict_size == check.report.state_dict_size
