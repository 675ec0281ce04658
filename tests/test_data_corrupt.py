"""The corrupt-input policy: every kind of bad file becomes a dead letter; read = written + dead-lettered."""

import json

import av
import numpy as np
import pytest
import tensorflow as tf

from keras_video.cli.main import main as cli_main
from keras_video.data import synthetic
from keras_video.data.check import check_videos
from keras_video.data.dead_letter import DeadLetterLog, read_jsonl
from keras_video.data.prepare import write_tfrecords
from keras_video.data.records import DeadLetter, VideoRecord

EXPECTED_REASONS = {
    "good.mp4": None,
    "good.avi": None,
    "empty.mp4": "empty_file",
    "truncated.avi": "truncated",
    "truncated.mp4": "truncated",
    "text_named.avi": "not_a_video",
    "audio_only.mp4": "no_video_stream",
    "scrambled.mp4": "undecodable",
    "two_frames.mp4": "too_short",
}


def _write_audio_only(path):
    with av.open(str(path), "w") as output:
        stream = output.add_stream("aac", rate=16000)
        for _ in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)


def _write_scrambled(source, path):
    """A valid MP4 container whose video packets carry random bytes."""
    rng = np.random.default_rng(2)
    with av.open(str(source)) as src:
        stream_in = src.streams.video[0]
        with av.open(str(path), "w") as output:
            stream_out = output.add_stream_from_template(stream_in)
            for packet in src.demux(stream_in):
                if packet.size == 0:
                    continue
                fake = av.Packet(rng.integers(0, 256, packet.size, dtype=np.uint8).tobytes())
                fake.pts, fake.dts, fake.time_base, fake.stream = packet.pts, packet.dts, packet.time_base, stream_out
                output.mux(fake)


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad_videos")
    frames, _, _ = synthetic.render_video("MoveLeft", np.random.default_rng(0), num_frames=48, size=64)
    synthetic.write_video(directory / "good.mp4", frames)
    synthetic.write_video(directory / "good.avi", frames, container="avi")
    synthetic.write_video(directory / "two_frames.mp4", frames[:2])
    (directory / "empty.mp4").write_bytes(b"")
    for extension in ("avi", "mp4"):
        data = (directory / f"good.{extension}").read_bytes()
        (directory / f"truncated.{extension}").write_bytes(data[: len(data) // 2])
    (directory / "text_named.avi").write_text("this is a text file with a video extension\n" * 40)
    _write_audio_only(directory / "audio_only.mp4")
    _write_scrambled(directory / "good.mp4", directory / "scrambled.mp4")
    return directory


def test_check_videos_classifies_every_kind_of_bad_file(bad_dir):
    good, log = check_videos(bad_dir, min_frames=4)
    found = {letter.source.rsplit("/", 1)[1]: letter.reason for letter in log.letters}
    expected = {name: reason for name, reason in EXPECTED_REASONS.items() if reason}
    assert found == expected
    assert sorted(item.path.rsplit("/", 1)[1] for item in good) == ["good.avi", "good.mp4"]
    assert log.read == len(EXPECTED_REASONS) and log.balanced()
    assert all(letter.detail for letter in log.letters)


def test_prepare_dead_letters_bad_videos_and_balances(bad_dir, tmp_path):
    records = [
        VideoRecord(str(bad_dir / name), 0, "MoveLeft", "train", "test", name, {}) for name in sorted(EXPECTED_REASONS)
    ]
    adapter_letters = [DeadLetter("list.txt:7", "missing_file", "gone.avi is listed but not found")]
    summary = write_tfrecords(records, tmp_path, adapter_dead_letters=adapter_letters, short_side=32,
                              min_frames=4, progress=False)
    assert summary.read == len(records) + 1
    assert summary.written == 2
    assert summary.dead_lettered == len(records) - 2 + 1
    assert summary.balanced
    letters = read_jsonl(summary.dead_letter_path)
    assert sorted(letter.reason for letter in letters) == sorted(
        [r for r in EXPECTED_REASONS.values() if r] + ["missing_file"])
    written = sum(1 for _ in tf.data.TFRecordDataset(summary.shards, compression_type="GZIP"))
    assert written == 2
    assert json.loads((tmp_path / "summary.json").read_text())["balanced"] is True


def test_check_videos_cli_lists_problems_and_exits_nonzero(bad_dir, capsys):
    assert cli_main(["check-videos", str(bad_dir), "--min-frames", "4", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "9 files checked: 2 good, 7 with problems" in out
    for reason in ("empty_file", "truncated", "not_a_video", "no_video_stream", "undecodable", "too_short"):
        assert reason in out
    assert cli_main(["check-videos", str(bad_dir / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_dead_letter_log_rejects_unknown_reasons():
    log = DeadLetterLog()
    with pytest.raises(ValueError, match="unknown dead-letter reason"):
        log.add("x", "exploded", "boom")
