"""Export: SavedModel signatures (serialized SequenceExamples, float and uint8 clips) and .keras,
reloaded in a fresh process; finetuning can read the backbone back from the SavedModel alone."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video.data.input import make_dataset
from keras_video.data.sequence_example import StoredVideo, write_sequence_example
from keras_video.export import export_model, read_exported_weights
from keras_video.testing.batch_norm import randomize_batch_norm
from keras_video.training.finetune import transfer_weights
from test_training_support import motion_arrays, tiny_classifier

NUM_FRAMES, SIZE = 4, 16
MEAN, STD = (0.45, 0.45, 0.45), (0.225, 0.225, 0.225)


def serialized_videos(count, seed=0):
    clips, labels = motion_arrays(count, num_frames=8, size=SIZE, seed=seed)
    examples = []
    for i, (clip, label) in enumerate(zip(clips, labels)):
        frames = [tf.io.encode_jpeg(tf.cast(tf.clip_by_value(f, 0, 1) * 255, tf.uint8)).numpy() for f in clip]
        examples.append(write_sequence_example(StoredVideo(
            frames=frames, label_indices=[int(label)], label_names=[str(label)], media_id=f"video{i}",
            dataset="test", split="test", source_path=f"video{i}.mp4", height=SIZE, width=SIZE, frame_rate=25.0)))
    return examples, labels


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(1)
    model = tiny_classifier(4)
    out = tmp_path_factory.mktemp("export")
    paths = export_model(model, out, num_frames=NUM_FRAMES, crop_size=SIZE, num_views=2, num_crops=1,
                         mean=MEAN, std=STD, class_names=["right", "left", "down", "up"])
    examples, labels = serialized_videos(5)
    record_path = out / "videos.tfrecord"
    with tf.io.TFRecordWriter(str(record_path)) as writer:
        for example in examples:
            writer.write(example)
    return model, paths, examples, record_path


REload = """
import json, sys
import numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
examples = [open(p, "rb").read() for p in sys.argv[3:]]
clips = np.load(sys.argv[2])
served = loaded.signatures["serving_default"](examples=tf.constant(examples))
floats = loaded.signatures["predict_clips"](clips=tf.constant(clips["floats"]))
uint8 = loaded.signatures["predict_uint8_clips"](clips=tf.constant(clips["uint8"]))
print("RESULT" + json.dumps({
    "served": served["probabilities"].numpy().tolist(), "served_ids": served["class_ids"].numpy().tolist(),
    "floats": floats["probabilities"].numpy().tolist(), "uint8": uint8["probabilities"].numpy().tolist(),
    "signatures": sorted(loaded.signatures)}))
"""


def test_saved_model_reloaded_in_a_fresh_process(exported, tmp_path):
    model, paths, examples, record_path = exported
    uint8 = np.random.default_rng(0).integers(0, 256, (3, NUM_FRAMES, SIZE, SIZE, 3)).astype(np.uint8)
    floats = ((uint8 / 255.0 - np.array(MEAN)) / np.array(STD)).astype(np.float32)
    np.savez(tmp_path / "clips.npz", floats=floats, uint8=uint8)
    example_files = []
    for i, example in enumerate(examples):
        (tmp_path / f"e{i}.bin").write_bytes(example)
        example_files.append(str(tmp_path / f"e{i}.bin"))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(REload), str(paths.saved_model),
                             str(tmp_path / "clips.npz"), *example_files], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("RESULT", 1)[1])
    assert out["signatures"] == ["predict_clips", "predict_uint8_clips", "serving_default"]

    expected = keras.ops.convert_to_numpy(keras.ops.softmax(model(floats, training=False)))
    np.testing.assert_allclose(out["floats"], expected, atol=1e-5)
    np.testing.assert_allclose(out["uint8"], expected, atol=1e-4)

    # serving_default decodes and samples like evaluation (2 views averaged).
    dataset = make_dataset(str(record_path), num_frames=NUM_FRAMES, training=False, batch_size=5, crop_size=SIZE,
                           short_side_range=(SIZE, SIZE), num_views=2, compression=None, mean=MEAN, std=STD)
    clips, _ = next(iter(dataset))
    flat = tf.reshape(clips, (-1, NUM_FRAMES, SIZE, SIZE, 3))
    probabilities = tf.reduce_mean(tf.reshape(tf.nn.softmax(model(flat, training=False)), (5, 2, 4)), axis=1)
    np.testing.assert_allclose(out["served"], probabilities.numpy(), atol=1e-5)
    assert out["served_ids"] == np.argmax(probabilities, -1).tolist()


def test_keras_file_and_weights_from_saved_model(exported):
    model, paths, _, _ = exported
    reloaded = keras.saving.load_model(paths.keras_file)
    clips = motion_arrays(2, num_frames=NUM_FRAMES, size=SIZE)[0]
    np.testing.assert_allclose(reloaded(clips), model(clips), atol=1e-6)
    assert json.loads(paths.config.read_text())["num_views"] == 2

    backbone, head = read_exported_weights(paths.saved_model)
    assert len(backbone) == len(model.backbone.weights) and len(head) == 2  # dense kernel + bias
    target = tiny_classifier(7, name="target")
    report = transfer_weights((backbone, head), target)
    assert len(report.loaded) == len(backbone) and report.complete
    for source, copied in zip(model.backbone.weights, target.backbone.weights):
        np.testing.assert_array_equal(np.asarray(source), np.asarray(copied))


def test_folded_export_serves_the_same_function_and_keeps_the_trained_weights(tmp_path):
    keras.utils.set_random_seed(2)
    model = tiny_classifier(4)
    randomize_batch_norm(model, seed=5)
    clips = motion_arrays(3, num_frames=NUM_FRAMES, size=SIZE, seed=4)[0]
    export_model(model, tmp_path, num_frames=NUM_FRAMES, crop_size=SIZE, fold_batch_norm=True)

    loaded = tf.saved_model.load(str(tmp_path / "saved_model"))
    served_variables = sorted(v.name for v in loaded.variables)
    assert "stem_conv/bias:0" in served_variables and not any("_bn/" in name for name in served_variables)
    served = loaded.signatures["predict_clips"](clips=tf.constant(clips))
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(model(clips, training=False)))
    np.testing.assert_allclose(served["probabilities"].numpy(), expected, atol=1e-5)
    backbone, _ = read_exported_weights(tmp_path / "saved_model")  # the trained, unfolded weights, for finetuning
    trained = {w.path: np.asarray(w) for w in model.backbone.weights}
    assert sorted(backbone) == sorted(trained)
    for path, value in backbone.items():
        np.testing.assert_array_equal(value, trained[path])
