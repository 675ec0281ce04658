"""The pipeline's serving SavedModel: serving_default averages as many evaluation clips as each
video's length allows (the same clips `make_dataset` samples), and slicing_features reports that count."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video.data.input import make_dataset
from keras_video.data.sequence_example import StoredVideo, write_sequence_example
from pipeline.modules.serving import SERVING_SIGNATURE, SLICING_SIGNATURE, ClipScorer, export_serving_model
from test_training_support import motion_arrays, tiny_classifier

NUM_FRAMES, CROP, SHORT_SIDE, MAX_CLIPS = 4, 16, 18, 3
LENGTHS = (5, 9, 13, 30)  # 1, 2, 3 and (clamped) 3 clips of 4 frames


def _serialized(length, seed):
    clip = motion_arrays(1, num_frames=length, size=20, seed=seed)[0][0]
    frames = [tf.io.encode_jpeg(tf.cast(tf.clip_by_value(f, 0, 1) * 255, tf.uint8)).numpy() for f in clip]
    return write_sequence_example(StoredVideo(
        frames=frames, label_indices=[0], label_names=["a"], media_id=f"video{seed}", dataset="test", split="test",
        source_path=f"video{seed}.mp4", height=20, width=20, frame_rate=25.0))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    keras.utils.set_random_seed(3)
    model = tiny_classifier(5)
    out = tmp_path_factory.mktemp("serving")
    scorer = ClipScorer(num_frames=NUM_FRAMES, crop_size=CROP, eval_short_side=SHORT_SIDE, max_clips=MAX_CLIPS)
    export_serving_model(model, str(out / "model"), scorer)
    examples = [_serialized(length, seed) for seed, length in enumerate(LENGTHS)]
    return model, tf.saved_model.load(str(out / "model")), examples, out


def test_signatures_and_clip_counts(served):
    _, loaded, examples, _ = served
    assert sorted(loaded.signatures) == [SERVING_SIGNATURE, SLICING_SIGNATURE]
    assert not any("_bn/" in v.name for v in loaded.variables), "batch norms are folded into the served convs"
    outputs = loaded.signatures[SERVING_SIGNATURE](examples=tf.constant(examples))
    assert sorted(outputs) == ["num_clips", "probabilities"]
    assert outputs["num_clips"].numpy().tolist() == [1, 2, 3, 3]
    sliced = loaded.signatures[SLICING_SIGNATURE](examples=tf.constant(examples))
    assert list(sliced) == ["num_clips"] and sliced["num_clips"].numpy().tolist() == [1, 2, 3, 3]


def test_probabilities_average_the_evaluation_clips(served):
    model, loaded, examples, out = served
    probabilities = loaded.signatures[SERVING_SIGNATURE](examples=tf.constant(examples))["probabilities"].numpy()
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    for index, (example, clips_used) in enumerate(zip(examples, (1, 2, 3, 3))):
        record = out / f"video{index}.tfrecord"
        with tf.io.TFRecordWriter(str(record)) as writer:
            writer.write(example)
        dataset = make_dataset(str(record), num_frames=NUM_FRAMES, training=False, batch_size=1, crop_size=CROP,
                               short_side_range=(SHORT_SIDE, SHORT_SIDE), num_views=clips_used, compression=None)
        clips = next(iter(dataset))[0]
        clips = tf.reshape(clips, (-1, NUM_FRAMES, CROP, CROP, 3))
        expected = tf.reduce_mean(tf.nn.softmax(model(clips, training=False)), axis=0)
        np.testing.assert_allclose(probabilities[index], expected.numpy(), atol=1e-5)
