"""SequenceExample storage: MediaSequence keys, encode_video on real clips, boxes, fps, the TFX schema."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_video.data import sequence_example as keys
from keras_video.data.encode import encode_video, resample_positions
from keras_video.data.records import VideoError, VideoRecord
from keras_video.data.sequence_example import read_sequence_example

JHMDB_CLIP = "jhmdb/sample/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2.avi"
JHMDB_MASK = "jhmdb/puppet_mask/catch/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2/puppet_mask.mat"


def _record(path, **metadata):
    return VideoRecord(str(path), 3, "catch", "train", "jhmdb", "catch/clip", metadata)


def test_encode_real_clip_all_frames_short_side(real_data_dir):
    serialized = encode_video(_record(real_data_dir / "videos/mmaction2/test.avi"), short_side=128)
    example = tf.train.SequenceExample.FromString(serialized)
    context = example.context.feature
    # MediaSequence / Model Garden keys, plus ours
    for key in (keys.LABEL_INDEX, keys.LABEL_STRING, keys.MEDIA_ID, keys.HEIGHT, keys.WIDTH, keys.FRAME_RATE,
                keys.DATASET, keys.SPLIT, keys.SOURCE_PATH):
        assert key in context, key
    assert list(context[keys.LABEL_INDEX].int64_list.value) == [3]
    assert context[keys.HEIGHT].int64_list.value[0] == 128 and context[keys.WIDTH].int64_list.value[0] == 171
    assert context[keys.FRAME_RATE].float_list.value[0] == pytest.approx(25.0)
    frames = example.feature_lists.feature_list[keys.ENCODED].feature
    assert len(frames) == 164
    first = np.asarray(Image.open(io.BytesIO(frames[0].bytes_list.value[0])))
    assert first.shape == (128, 171, 3)


def test_encode_at_target_fps_keeps_timestamps(real_data_dir):
    video = read_sequence_example(encode_video(_record(real_data_dir / "videos/mmaction2/test.mp4"), fps=10, short_side=64))
    assert video.num_frames == 100  # 300 frames at 30 fps over 10 s -> 10 fps
    assert video.frame_rate == pytest.approx(10.0)
    np.testing.assert_allclose(np.diff(video.timestamps_us), 100_000, atol=1)
    np.testing.assert_array_equal(resample_positions(10, 30, 15), [0, 2, 4, 6, 8])


def test_jhmdb_mask_boxes_are_stored_per_frame_normalised(real_data_dir):
    from keras_video.data.adapters.jhmdb_annotations import load_puppet_mask_boxes

    boxes, frame_size = load_puppet_mask_boxes(real_data_dir / JHMDB_MASK)
    assert len(boxes) == 40 and frame_size == (240, 320)
    record = _record(real_data_dir / JHMDB_CLIP, boxes=boxes, frame_size=frame_size)
    video = read_sequence_example(encode_video(record, short_side=120))
    assert video.num_frames == 40 and len(video.boxes) == 40
    xmin, ymin, xmax, ymax = boxes[5][0]
    np.testing.assert_allclose(video.boxes[5][0], [ymin / 240, xmin / 320, ymax / 240, xmax / 320], rtol=1e-6)
    assert video.box_labels[5] == [3]


def test_shorter_annotations_reuse_their_last_frame(real_data_dir):
    from keras_video.data.adapters.jhmdb_annotations import load_puppet_mask_boxes

    boxes, frame_size = load_puppet_mask_boxes(
        real_data_dir / "jhmdb/puppet_mask/catch/Frisbee_catch_f_cm_np1_ri_med_0/puppet_mask.mat"
    )
    assert len(boxes) == 37  # one of the real videos with fewer mask frames than images
    record = _record(real_data_dir / JHMDB_CLIP, boxes=boxes, frame_size=frame_size)
    video = read_sequence_example(encode_video(record, short_side=64))
    assert video.num_frames == 40
    for t in (37, 38, 39):
        np.testing.assert_array_equal(video.boxes[t], video.boxes[36])


def test_joint_positions_load_without_scale_or_viewpoint(real_data_dir):
    from keras_video.data.adapters.jhmdb_annotations import load_joint_positions

    joints = load_joint_positions(real_data_dir / "jhmdb/sample/joint_positions.mat")
    assert joints["points"].shape == (40, 15, 2)
    assert joints["scale"] is None and joints["viewpoint"] is None
    record = _record(real_data_dir / JHMDB_CLIP, points=joints["points"])
    video = read_sequence_example(encode_video(record, short_side=64))
    assert video.points[0].shape == (15, 2)
    assert 0.0 <= video.points[0].min() and video.points[0].max() <= 1.0


def test_too_short_video_raises_video_error(real_data_dir):
    with pytest.raises(VideoError) as error:
        encode_video(_record(real_data_dir / JHMDB_CLIP), short_side=32, min_frames=41)
    assert error.value.reason == "too_short"


def test_schema_is_a_tfmd_schema_that_validates_written_examples(repo_root, real_data_dir):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = text_format.Parse((repo_root / "schemas/video_example.pbtxt").read_text(), schema_pb2.Schema())
    names = {feature.name for feature in schema.feature}
    written = {
        keys.LABEL_INDEX, keys.LABEL_STRING, keys.MEDIA_ID, keys.DATASET, keys.SPLIT, keys.SOURCE_PATH,
        keys.NUM_FRAMES, keys.HEIGHT, keys.WIDTH, keys.FRAME_RATE, keys.IMAGE_FORMAT, keys.CHANNELS,
    }
    assert written <= names

    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.statistics import stats_impl
    from tfx_bsl.coders import sequence_example_coder

    from keras_video.data.adapters.jhmdb_annotations import load_puppet_mask_boxes

    boxes, frame_size = load_puppet_mask_boxes(real_data_dir / JHMDB_MASK)
    examples = [
        encode_video(_record(real_data_dir / JHMDB_CLIP, boxes=boxes, frame_size=frame_size), short_side=32),
        encode_video(_record(real_data_dir / "videos/mmaction2/test.avi"), fps=5, short_side=32),
    ]
    decoder = sequence_example_coder.SequenceExamplesToRecordBatchDecoder("##SEQUENCE##", schema.SerializeToString())
    statistics = stats_impl.generate_statistics_in_memory(decoder.DecodeBatch(examples), tfdv.StatsOptions(schema=schema))
    anomalies = tfdv.validate_statistics(statistics, schema)
    assert dict(anomalies.anomaly_info) == {}
