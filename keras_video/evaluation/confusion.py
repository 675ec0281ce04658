"""Confusion matrices: counting, per-class accuracy, JSON and PNG rendering."""

import io
import json

import numpy as np


def confusion_matrix(labels, predictions, num_classes):
    """matrix[true, predicted] counts as int64."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    predictions = np.asarray(predictions, dtype=np.int64).reshape(-1)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predictions.shape} differ in length")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), got range [{values.min()}, {values.max()}]")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def per_class_accuracy(matrix):
    """Recall of each class (correct / examples of that class); NaN for classes with no examples."""
    totals = matrix.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def confusion_png(matrix, class_names=None, title="confusion matrix"):
    """PNG bytes of the row-normalized matrix (each row sums to 1), annotated with counts when small."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    num_classes = matrix.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
    rows = matrix.sum(axis=1, keepdims=True)
    normalized = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=np.float64), where=rows > 0)
    size = min(2 + 0.4 * num_classes, 20)
    figure, axes = plt.subplots(figsize=(size, size), dpi=80)
    axes.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    if num_classes <= 30:
        axes.set_xticks(range(num_classes), names, rotation=90, fontsize=7)
        axes.set_yticks(range(num_classes), names, fontsize=7)
        if num_classes <= 15:
            for i in range(num_classes):
                for j in range(num_classes):
                    if matrix[i, j]:
                        axes.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                                  color="white" if normalized[i, j] > 0.5 else "black")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def write_confusion(matrix, directory, class_names=None, stem="confusion_matrix"):
    """Write `<stem>.json` (matrix, class names, per-class accuracy) and `<stem>.png`; return paths."""
    import pathlib

    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = list(class_names) if class_names is not None else [str(i) for i in range(matrix.shape[0])]
    accuracy = per_class_accuracy(matrix)
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps({
        "class_names": names,
        "matrix": matrix.tolist(),
        "per_class_accuracy": {n: (None if np.isnan(a) else float(a)) for n, a in zip(names, accuracy)},
    }, indent=1))
    png_path = directory / f"{stem}.png"
    png_path.write_bytes(confusion_png(matrix, names))
    return json_path, png_path
