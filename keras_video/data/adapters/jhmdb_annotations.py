"""JHMDB annotation files (MATLAB 5 .mat, read with scipy.io.loadmat).

* `puppet_mask.mat`: `part_mask` uint8 (H, W, T); the person box of frame t is the bounding box of
  `part_mask[:, :, t] > 0` in pixels (xmin, ymin, xmax, ymax), xmax/ymax exclusive. Some videos have
  fewer mask frames than images: `encode_video` reuses the last mask frame for the rest.
* `joint_positions.mat`: `pos_img` float (2, 15, T) image coordinates of 15 joints (as stored, MATLAB
  pixel convention), optionally `scale` and `viewpoint` (absent in some files).
"""

import numpy as np
import scipy.io


def boxes_from_mask(mask):
    """(H, W, T) mask -> list of T float arrays (n, 4), n = 0 for an empty frame, 1 otherwise."""
    mask = np.asarray(mask)
    if mask.ndim == 2:
        mask = mask[:, :, None]
    boxes = []
    for t in range(mask.shape[2]):
        ys, xs = np.nonzero(mask[:, :, t] > 0)
        if xs.size == 0:
            boxes.append(np.zeros((0, 4), np.float32))
        else:
            boxes.append(np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32))
    return boxes


def load_puppet_mask_boxes(path):
    """(per-frame boxes, (height, width)) from a puppet_mask.mat."""
    contents = scipy.io.loadmat(path)
    if "part_mask" not in contents:
        raise ValueError(f"{path}: no 'part_mask' variable (has {sorted(k for k in contents if not k.startswith('__'))})")
    mask = contents["part_mask"]
    return boxes_from_mask(mask), tuple(int(s) for s in mask.shape[:2])


def load_joint_positions(path):
    """{"points": (T, 15, 2) float32, "scale": (T,) or None, "viewpoint": list or None}."""
    contents = scipy.io.loadmat(path)
    if "pos_img" not in contents:
        raise ValueError(f"{path}: no 'pos_img' variable")
    pos_img = np.asarray(contents["pos_img"], np.float32)
    if pos_img.ndim != 3 or pos_img.shape[0] != 2:
        raise ValueError(f"{path}: pos_img must be (2, joints, T), got {pos_img.shape}")
    result = {"points": np.transpose(pos_img, (2, 1, 0)), "scale": None, "viewpoint": None}
    if "scale" in contents:
        result["scale"] = np.asarray(contents["scale"], np.float32).reshape(-1)
    if "viewpoint" in contents:
        result["viewpoint"] = [str(np.asarray(v).squeeze()) for v in np.asarray(contents["viewpoint"]).reshape(-1)]
    return result
