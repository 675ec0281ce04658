"""Acceptance on the generated motion dataset (slow; real videos, real TFRecords, real presets):

- a 3D preset (R(2+1)D-18 at small size) trained with train()/model.fit reaches >= 90% video-level
  accuracy on direction-only classes, while a 2D preset (f-R2D-18: 2D convs per frame, pooled over
  time, TSN-style) stays near chance, since only the direction of time tells the classes apart;
- finetuning that 3D checkpoint to a second generated dataset with other classes reports the
  loaded/skipped weights and beats training from scratch for the same number of steps.

"Small size": 32-pixel clips of 8 frames, stage widths 16-128 and one block per stage, so the
whole module runs in a few minutes on 2 CPU cores.
"""

import numpy as np
import pytest

pytestmark = pytest.mark.slow

DIRECTIONS = ["MoveLeft", "MoveRight", "MoveUp", "MoveDown"]
OTHER_MOTIONS = ["Grow", "Shrink", "RotateClockwise", "RotateCounterClockwise"]
SIZE, FRAMES, STRIDE = 32, 8, 2
SMALL = {"stage_filters": [16, 32, 64, 128], "stem_filters": 16, "stage_depths": [1, 1, 1, 1]}


def prepared(out_dir, classes, videos_per_class, seed):
    from keras_video.data.adapters import list_videos
    from keras_video.data.prepare import write_tfrecords
    from keras_video.data.synthetic import make_synthetic_dataset

    summary = make_synthetic_dataset(out_dir / "videos", classes=classes, videos_per_class=videos_per_class,
                                     num_frames=16, size=SIZE, seed=seed, write_masks=False)
    listing = list_videos("ucf101", summary.root, annotations=summary.split_dir)
    write_tfrecords(listing.records, out_dir / "tfrecords", classes=listing.classes, short_side=SIZE, progress=False)
    return out_dir / "tfrecords"


def config(data_dir, preset, model_dir, classes, epochs, **extra):
    from keras_video.training.fit import TrainConfig

    overrides = dict(SMALL, stem_mid_filters=12) if preset.startswith("r2plus1d") else dict(SMALL)
    return TrainConfig(
        preset=preset, num_classes=len(classes), class_names=classes, model_overrides=overrides,
        train_data=str(data_dir / "train-*"), val_data=str(data_dir / "test-*"), num_frames=FRAMES,
        frame_stride=STRIDE, crop_size=SIZE, short_side_range=(SIZE, int(round(SIZE * 1.15))), flip=False,
        batch_size=8, epochs=epochs, learning_rate=0.02, warmup_epochs=1, weight_decay=1e-4,
        shuffle_buffer=4096,  # shards hold the videos class by class: shuffle across all of them
        # Dropout 0.5 before a 128-wide head stalled some seeds near chance for 4 epochs (80% after 8);
        # 0.2 reached 99-100% video level on seeds 0, 1 and 2.
        dropout=0.2, model_dir=str(model_dir), image_clips=2, confusion_every=0, verbose=2, **extra,
    )


def video_level(model, data_dir, classes):
    from keras_video.data.input import make_dataset
    from keras_video.evaluation.classification import evaluate_classifier

    dataset = make_dataset(str(data_dir / "test-*"), num_frames=FRAMES, frame_stride=STRIDE, training=False,
                           batch_size=8, crop_size=SIZE, short_side_range=(SIZE, SIZE), num_views=3, flip=False)
    return evaluate_classifier(model, dataset, num_classes=len(classes), class_names=classes, num_views=3, verbose=0)


@pytest.fixture(scope="module")
def directions(tmp_path_factory):
    return prepared(tmp_path_factory.mktemp("directions"), DIRECTIONS, videos_per_class=320, seed=0)


@pytest.fixture(scope="module")
def trained_3d(directions, tmp_path_factory):
    from keras_video.training.fit import train

    result = train(config(directions, "r2plus1d_18", tmp_path_factory.mktemp("r2plus1d"), DIRECTIONS, epochs=8))
    return result, video_level(result.model, directions, DIRECTIONS)


def test_3d_preset_reaches_90_percent_video_level(trained_3d):
    _, evaluation = trained_3d
    print(evaluation.table())
    assert evaluation.video_top1 >= 0.9, evaluation.table()


def test_2d_preset_stays_near_chance_on_direction_pairs(directions, tmp_path_factory):
    from keras_video.training.fit import train

    result = train(config(directions, "fr2d_18", tmp_path_factory.mktemp("fr2d"), DIRECTIONS, epochs=4))
    evaluation = video_level(result.model, directions, DIRECTIONS)
    print(evaluation.table())
    matrix = np.asarray(evaluation.confusion)
    # Within each direction pair (left/right, up/down) a frame model can only guess: ~50%.
    pairs = [(0, 1), (2, 3)]
    in_pair = sum(matrix[i][j] for a, b in pairs for i in (a, b) for j in (a, b))
    correct_in_pair = sum(matrix[i][i] for a, b in pairs for i in (a, b))
    # It trained (finite losses) under the recipe that takes the 3D preset above 90%; it read 0.27
    # video-level with a near-uniform confusion matrix.
    assert np.all(np.isfinite(result.history.history["loss"])), result.history.history["loss"]
    assert evaluation.video_top1 <= 0.65, evaluation.table()
    assert in_pair > 0, matrix
    assert correct_in_pair / in_pair <= 0.7, matrix


def test_finetuning_reports_weights_and_beats_scratch(trained_3d, tmp_path_factory):
    from keras_video.training.fit import train

    source, _ = trained_3d
    others = prepared(tmp_path_factory.mktemp("others"), OTHER_MOTIONS, videos_per_class=48, seed=1)
    steps = dict(epochs=3)
    finetuned = train(config(others, "r2plus1d_18", tmp_path_factory.mktemp("finetuned"), OTHER_MOTIONS,
                             init_from=str(source.last_checkpoint), **steps))
    report = finetuned.transfer_report
    assert report.complete and len(report.loaded) == len(finetuned.model.backbone.weights)
    assert report.skipped == ["predictions/bias", "predictions/kernel"]
    scratch = train(config(others, "r2plus1d_18", tmp_path_factory.mktemp("scratch"), OTHER_MOTIONS, **steps))
    finetuned_eval = video_level(finetuned.model, others, OTHER_MOTIONS)
    scratch_eval = video_level(scratch.model, others, OTHER_MOTIONS)
    print("finetuned\n" + finetuned_eval.table() + "\nscratch\n" + scratch_eval.table())
    assert finetuned_eval.video_top1 > scratch_eval.video_top1
