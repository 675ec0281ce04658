"""Transfer finetuning: load by name and shape, report, refuse partial loads, freeze, LR multiplier."""

import keras
import numpy as np
import pytest

from keras_video.models.classifier import VideoClassifier
from keras_video.training.finetune import (
    TransferError, freeze_backbone, load_source_weights, set_backbone_lr_multiplier, transfer_weights,
)
from keras_video.training.optimizers import make_sgd
from test_training_support import TinyBackbone, motion_arrays, tiny_classifier


def test_transfer_reports_loaded_skipped_and_new_head(tmp_path):
    source = tiny_classifier(4, name="source")
    path = tmp_path / "source.keras"
    source.save(path)
    target = tiny_classifier(7, name="target")
    report = transfer_weights(load_source_weights(path), target)
    assert report.complete and not report.missing and not report.mismatched
    assert sorted(report.loaded) == sorted(v.path for v in target.backbone.weights)
    assert report.skipped == ["predictions/bias", "predictions/kernel"]  # the old 4-class head
    assert report.new_head == ["predictions/bias", "predictions/kernel"]
    for a, b in zip(source.backbone.weights, target.backbone.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert "loaded 10 backbone weights, skipped 2" in report.summary()


def test_mismatched_backbone_is_refused_unless_partial(tmp_path):
    source = tiny_classifier(4, width=8, name="source")
    target = tiny_classifier(4, width=12, name="target")  # every conv and BN has another shape
    with pytest.raises(TransferError, match="mismatched.*--allow-partial"):
        transfer_weights(source, target)
    before = [np.asarray(w).copy() for w in target.backbone.weights]
    report = transfer_weights(source, target, allow_partial=True)
    assert not report.loaded and len(report.mismatched) == len(before)
    assert report.mismatched[0][1][-1] == 8 and report.mismatched[0][2][-1] == 12


def test_missing_backbone_weights_are_refused():
    source_backbone, source_head = {}, {}
    target = tiny_classifier(3)
    with pytest.raises(TransferError, match="10 backbone weight\\(s\\) missing"):
        transfer_weights((source_backbone, source_head), target)
    report = transfer_weights((source_backbone, source_head), target, allow_partial=True)
    assert len(report.missing) == 10 and not report.loaded


def test_weights_h5_needs_preset_and_bad_paths(tmp_path):
    model = tiny_classifier(3)
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(TransferError, match="needs the source preset"):
        load_source_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_source_weights(tmp_path / "missing.keras")
    (tmp_path / "dir").mkdir()
    with pytest.raises(TransferError, match="not a SavedModel"):
        load_source_weights(tmp_path / "dir")


def test_freeze_modes_and_frozen_batch_norm_runs_in_inference_mode():
    model = tiny_classifier(3)
    frozen = freeze_backbone(model, "stage", "res2")
    assert frozen[-1] == "stem_relu" and "res3_conv" not in frozen
    trainable = {v.path for v in model.trainable_variables}
    assert not any(p.startswith("stem_") for p in trainable) and any(p.startswith("res3_") for p in trainable)

    # A frozen BN keeps its moving statistics even when the model is called with training=True.
    bn = model.backbone.get_layer("stem_bn")
    before = np.asarray(bn.moving_mean).copy()
    clips = motion_arrays(4, num_frames=4, size=16)[0] * 5 + 3
    model(clips, training=True)
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), before)
    assert not np.allclose(np.asarray(model.backbone.get_layer("res3_bn").moving_mean), 0)  # unfrozen: updated

    model = tiny_classifier(3)
    freeze_backbone(model, "all")
    assert {v.path for v in model.trainable_variables} == {"predictions/kernel", "predictions/bias"}
    with pytest.raises(ValueError, match="unknown stage 'res9'"):
        freeze_backbone(tiny_classifier(3), "stage", "res9")


def test_backbone_learning_rate_multiplier():
    keras.utils.set_random_seed(0)
    clips, labels = motion_arrays(8, num_frames=4, size=16)
    deltas = {}
    for multiplier in (1.0, 0.25):
        keras.utils.set_random_seed(0)
        model = tiny_classifier(4)
        optimizer = make_sgd(0.1, momentum=0.0, weight_decay=0.0)
        set_backbone_lr_multiplier(model, optimizer, multiplier)
        model.compile(optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        kernel = model.backbone.get_layer("stem_conv").kernel
        head = model.get_layer("predictions").kernel
        before, head_before = np.asarray(kernel).copy(), np.asarray(head).copy()
        model.train_on_batch(clips, labels)
        deltas[multiplier] = (np.asarray(kernel) - before, np.asarray(head) - head_before)
    np.testing.assert_allclose(deltas[0.25][0], 0.25 * deltas[1.0][0], rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(deltas[0.25][1], deltas[1.0][1], rtol=1e-4, atol=1e-8)
