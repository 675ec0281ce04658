"""Single-process ingestion: VideoRecords -> gzip TFRecord shards of SequenceExamples.

Uses `encode.encode_video` (the per-video function the TFX Beam ingestion shares). Nothing raises
out of the loop: a video that fails becomes a dead letter, and the summary states
`read = written + dead_lettered`, counting the adapter's dead letters (missing files, bad lines) as
read too.
"""

import dataclasses
import json
import math
import random
import pathlib

import tensorflow as tf

from keras_video.data.dead_letter import DeadLetterLog
from keras_video.data.encode import encode_video
from keras_video.data.records import VideoError

VIDEOS_PER_SHARD = 256


@dataclasses.dataclass
class PrepareSummary:
    out_dir: str
    read: int
    written: int
    dead_lettered: int
    by_split: dict  # split -> examples written
    shards: list  # shard paths
    dead_letter_path: str
    dead_letters_by_reason: dict

    @property
    def balanced(self):
        return self.read == self.written + self.dead_lettered

    def as_dict(self):
        payload = dataclasses.asdict(self)
        payload["balanced"] = self.balanced
        return payload


def shard_paths(out_dir, split, count, compression="GZIP"):
    suffix = ".tfrecord.gz" if compression == "GZIP" else ".tfrecord"
    return [pathlib.Path(out_dir) / f"{split}-{i:05d}-of-{count:05d}{suffix}" for i in range(count)]


def encode_or_dead_letter(record, log, **encode_args):
    """Serialized example, or None after adding a dead letter; never raises for a bad video."""
    try:
        return encode_video(record, **encode_args)
    except VideoError as error:
        log.add(record.path, error.reason, error.detail)
    except Exception as error:  # a decoder/library failure on one video must not stop the batch
        log.add(record.path, "undecodable", f"{type(error).__name__}: {error}")
    return None


def write_tfrecords(records, out_dir, *, adapter_dead_letters=(), classes=None, fps=None, short_side=256,
                    min_frames=1, num_shards=None, compression="GZIP", progress=True, shuffle_seed=0):
    """Encode `records` into `<out_dir>/<split>-NNNNN-of-NNNNN.tfrecord.gz`; return a PrepareSummary.

    Each split's records are written in an order shuffled with `shuffle_seed` (None keeps the
    given order): adapters list videos class by class, and a training shuffle buffer smaller than
    a split would otherwise serve whole batches of one class."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = DeadLetterLog()
    log.extend(adapter_dead_letters)
    log.read = len(adapter_dead_letters)
    by_split = {}
    for record in records:
        by_split.setdefault(record.split, []).append(record)
    if shuffle_seed is not None:
        order = random.Random(shuffle_seed)
        for split in sorted(by_split):
            order.shuffle(by_split[split])
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(records), desc="prepare", unit="video")
    shards, written_by_split = [], {}
    options = tf.io.TFRecordOptions(compression_type=compression or "")
    for split, split_records in sorted(by_split.items()):
        count = num_shards or max(1, math.ceil(len(split_records) / VIDEOS_PER_SHARD))
        paths = shard_paths(out_dir, split, count, compression)
        writers = [tf.io.TFRecordWriter(str(path), options) for path in paths]
        written = 0
        try:
            for position, record in enumerate(split_records):
                log.read += 1
                serialized = encode_or_dead_letter(
                    record, log, fps=fps, short_side=short_side, min_frames=min_frames
                )
                if serialized is not None:
                    writers[written % count].write(serialized)
                    written += 1
                    log.written += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(written=log.written, dead=log.dead_lettered, refresh=False)
        finally:
            for writer in writers:
                writer.close()
        shards.extend(str(p) for p in paths)
        written_by_split[split] = written
    if bar is not None:
        bar.close()
    dead_path = log.write_jsonl(out_dir / "dead_letters.jsonl")
    if classes is not None:
        (out_dir / "classes.txt").write_text("".join(f"{name}\n" for name in classes), encoding="utf-8")
    summary = PrepareSummary(
        out_dir=str(out_dir), read=log.read, written=log.written, dead_lettered=log.dead_lettered,
        by_split=written_by_split, shards=shards, dead_letter_path=str(dead_path),
        dead_letters_by_reason=log.counts_by_reason(),
    )
    (out_dir / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
    return summary
