"""Clip-level and video-level accuracy, always side by side.

Clip level scores every view (temporal clip x spatial crop) on its own; video level averages the
softmax of the K views x crops of a video (the protocol papers report). Mixing the two up is why
finetuning results often seem to fall short of papers, so both are reported with K and crops.
"""

import dataclasses
import json
import pathlib

import keras
import numpy as np

from keras_video.evaluation.confusion import confusion_matrix, per_class_accuracy, write_confusion


def top_k_correct(probabilities, labels, k):
    """Boolean per row: the label is among the k highest scores."""
    k = min(k, probabilities.shape[-1])
    top = np.argpartition(-probabilities, k - 1, axis=-1)[..., :k]
    return np.any(top == labels[..., None], axis=-1)


@dataclasses.dataclass
class ClassificationResult:
    num_videos: int
    num_views: int
    num_crops: int
    clip_top1: float
    clip_top5: float
    video_top1: float
    video_top5: float
    per_class_accuracy: dict  # class name -> video-level accuracy (None: no videos of that class)
    confusion: list  # video-level confusion matrix, rows = true class
    class_names: list

    def to_dict(self):
        return dataclasses.asdict(self)

    def table(self):
        views = f"{self.num_views} clip(s) x {self.num_crops} crop(s)"
        rows = [("", "top-1", "top-5"),
                ("clip level (each view alone)", f"{100 * self.clip_top1:.2f}", f"{100 * self.clip_top5:.2f}"),
                (f"video level (mean of {views})", f"{100 * self.video_top1:.2f}", f"{100 * self.video_top5:.2f}")]
        width = max(len(r[0]) for r in rows)
        lines = [f"{r[0]:<{width}}  {r[1]:>7}  {r[2]:>7}" for r in rows]
        return "\n".join([f"{self.num_videos} videos", *lines])


def multi_view_probabilities(model, clips):
    """Softmax scores (B, V, C) of clips (B, V, T, H, W, 3): the views of all videos of the batch
    go through the model as ONE batch of B*V clips."""
    from keras import ops

    shape = ops.shape(clips)
    flat = ops.reshape(clips, (-1, *shape[2:]))
    logits = ops.cast(model(flat, training=False), "float32")
    probabilities = ops.softmax(logits, axis=-1)
    return ops.reshape(probabilities, (shape[0], shape[1], -1))


def evaluate_classifier(model, dataset, *, num_classes, class_names=None, num_views=1, num_crops=1,
                        out_dir=None, steps=None, verbose=1):
    """Evaluate `model` on `dataset` of (clips, labels): clips (B, V, T, H, W, 3) with V =
    num_views * num_crops, or (B, T, H, W, 3) for one view. Writes metrics.json and the
    confusion matrix (JSON + PNG) to `out_dir` when given. Returns a ClassificationResult.
    """
    import tensorflow as tf

    predict = tf.function(lambda clips: multi_view_probabilities(model, clips), reduce_retracing=True)
    total = steps
    if total is None and int(dataset.cardinality()) > 0:
        total = int(dataset.cardinality())
    progress = keras.utils.Progbar(total, unit_name="batch") if verbose else None
    scores, labels = [], []
    for step, batch in enumerate(dataset):
        if steps is not None and step >= steps:
            break
        clips, batch_labels = batch[0], batch[1]
        if clips.shape.rank == 5:
            clips = clips[:, None]
        expected_views = num_views * num_crops
        if clips.shape[1] != expected_views:
            raise ValueError(f"the dataset has {clips.shape[1]} views per video, expected {num_views}x{num_crops}")
        scores.append(predict(clips).numpy())
        labels.append(np.asarray(batch_labels).reshape(-1))
        if progress:
            progress.update(step + 1)
    if progress and total is None:
        progress.update(len(scores), finalize=True)
    if not scores:
        raise ValueError("the evaluation dataset is empty")
    scores, labels = np.concatenate(scores), np.concatenate(labels).astype(np.int64)
    if scores.shape[-1] != num_classes:
        raise ValueError(f"the model predicts {scores.shape[-1]} classes, expected num_classes={num_classes}")
    views = scores.shape[1]
    clip_labels = np.repeat(labels, views)
    clip_scores = scores.reshape(-1, num_classes)
    video_scores = scores.mean(axis=1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
    matrix = confusion_matrix(labels, video_scores.argmax(-1), num_classes)
    accuracy = per_class_accuracy(matrix)
    result = ClassificationResult(
        num_videos=len(labels), num_views=num_views, num_crops=num_crops,
        clip_top1=float(top_k_correct(clip_scores, clip_labels, 1).mean()),
        clip_top5=float(top_k_correct(clip_scores, clip_labels, 5).mean()),
        video_top1=float(top_k_correct(video_scores, labels, 1).mean()),
        video_top5=float(top_k_correct(video_scores, labels, 5).mean()),
        per_class_accuracy={n: (None if np.isnan(a) else float(a)) for n, a in zip(names, accuracy)},
        confusion=matrix.tolist(), class_names=names,
    )
    if out_dir is not None:
        out_dir = pathlib.Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "metrics.json").write_text(json.dumps(result.to_dict(), indent=1))
        write_confusion(matrix, out_dir, names)
    return result


def average_splits(results):
    """Mean and per-split values of clip/video top-1/top-5 over split results (UCF101/HMDB51 report
    the mean of splits 1-3)."""
    keys = ("clip_top1", "clip_top5", "video_top1", "video_top5")
    if not results:
        raise ValueError("no split results to average")
    return {k: {"mean": float(np.mean([getattr(r, k) for r in results])),
                "splits": [getattr(r, k) for r in results]} for k in keys}
