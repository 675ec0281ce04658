"""A generated motion dataset: real encoded videos whose classes need time to be told apart.

Every video shows a noise-textured object on a random textured background with a few distractor
blobs. Motion classes come in pairs that differ only in the direction of time (left/right, up/down,
grow/shrink, clockwise/counter-clockwise): each pair is built so that the set of frames of a video
has the same distribution for both directions (start positions, sizes and angles are drawn so that
frame t of one class looks like frame T-1-t of the other), so a model that looks at frames one by
one and pools over time is at chance on them while a model that sees motion is not. Appearance
classes (a static ring, a static cross) are separable from any single frame.

Files are written in the UCF101 layout (`<Class>/v_<Class>_gNN_c01.<ext>` plus
`ucfTrainTestlist/classInd.txt`, `trainlist01.txt`, `testlist01.txt` with CRLF line ends like the
real release), encoded with PyAV (mp4/H.264 or avi/MPEG-4), together with per-frame boxes of the
moving object (`annotations/boxes.json`, pixel xmin, ymin, xmax, ymax) and JHMDB-style
`annotations/<Class>/<video>/puppet_mask.mat` masks.
"""

import dataclasses
import json
import pathlib
import time

import av
import numpy as np

MOTION_PAIRS = {
    "MoveLeft": "MoveRight",
    "MoveUp": "MoveDown",
    "Grow": "Shrink",
    "RotateClockwise": "RotateCounterClockwise",
}
APPEARANCE_CLASSES = ("StaticRing", "StaticCross")
ALL_CLASSES = tuple(c for pair in MOTION_PAIRS.items() for c in pair) + APPEARANCE_CLASSES
DEFAULT_CLASSES = ALL_CLASSES
CONTAINERS = {"mp4": ("mp4", "libx264"), "avi": ("avi", "mpeg4")}


@dataclasses.dataclass
class SyntheticSummary:
    root: str  # the dataset root (class directories)
    split_dir: str  # ucfTrainTestlist/
    classes: list
    num_videos: int
    num_train: int
    num_test: int
    num_frames: int
    size: int
    container: str
    boxes_path: str
    seconds: float

    def as_dict(self):
        return dataclasses.asdict(self)


def direction_pairs(classes):
    """(a, b) pairs among `classes` that differ only in the direction of motion."""
    return [(a, b) for a, b in MOTION_PAIRS.items() if a in classes and b in classes]


# -- rendering ---------------------------------------------------------------------------------


def _smooth_texture(rng, height, width, cells, low, high):
    """Blocky-smooth random RGB texture (cells x cells colours upsampled bilinearly)."""
    grid = rng.uniform(low, high, size=(cells + 1, cells + 1, 3)).astype(np.float32)
    ys = np.linspace(0, cells, height, dtype=np.float32)
    xs = np.linspace(0, cells, width, dtype=np.float32)
    y0 = np.minimum(ys.astype(int), cells - 1)
    x0 = np.minimum(xs.astype(int), cells - 1)
    fy = (ys - y0)[:, None, None]
    fx = (xs - x0)[None, :, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _trajectory(kind, rng, num_frames, size):
    """Per-frame (centre_x, centre_y, half_size, angle) of the object, in pixels/radians."""
    t = np.arange(num_frames, dtype=np.float32) / max(num_frames - 1, 1)  # 0..1 over the clip
    half = rng.uniform(0.14, 0.2) * size
    margin = half * 1.45  # the rotated square's corner stays inside
    speed = rng.uniform(0.6, 0.9)  # fraction of the free range travelled over the clip
    cx = np.full(num_frames, rng.uniform(margin, size - margin), np.float32)
    cy = np.full(num_frames, rng.uniform(margin, size - margin), np.float32)
    halves = np.full(num_frames, half, np.float32)
    angles = np.full(num_frames, rng.uniform(0, 2 * np.pi), np.float32)
    free = size - 2 * margin
    travel = speed * free
    start = rng.uniform(margin, margin + free - travel)
    # Direction-reversed twins: the sign flips the path; the start is drawn so both cover the same range.
    if kind in ("MoveLeft", "MoveRight"):
        path = start + travel * t
        cx = path[::-1].copy() if kind == "MoveLeft" else path
    elif kind in ("MoveUp", "MoveDown"):
        path = start + travel * t
        cy = path[::-1].copy() if kind == "MoveUp" else path
    elif kind in ("Grow", "Shrink"):
        small, large = rng.uniform(0.07, 0.1) * size, rng.uniform(0.22, 0.28) * size
        path = small + (large - small) * t
        halves = path if kind == "Grow" else path[::-1].copy()
        margin = large * 1.45
        cx[:] = rng.uniform(margin, size - margin)
        cy[:] = rng.uniform(margin, size - margin)
    elif kind in ("RotateClockwise", "RotateCounterClockwise"):
        turn = rng.uniform(0.6, 0.9) * np.pi
        path = angles[0] + turn * t
        # image y points down, so increasing angle turns clockwise on screen
        angles = path if kind == "RotateClockwise" else path[::-1].copy()
    elif kind in APPEARANCE_CLASSES:
        jitter = rng.normal(0, 0.01 * size, size=(2, num_frames)).astype(np.float32)
        cx, cy = cx + jitter[0], cy + jitter[1]
    else:
        raise ValueError(f"unknown synthetic class {kind!r}; known: {list(ALL_CLASSES)}")
    return cx, cy, halves, angles


def _object_mask(kind, u, v):
    """Inside-the-shape mask in object coordinates (u, v in units of the half size)."""
    if kind == "StaticRing":
        r = np.sqrt(u * u + v * v)
        return (r < 1.0) & (r > 0.55)
    if kind == "StaticCross":
        return ((np.abs(u) < 1) & (np.abs(v) < 0.3)) | ((np.abs(v) < 1) & (np.abs(u) < 0.3))
    return (np.abs(u) < 1) & (np.abs(v) < 1)  # the textured square every motion class uses


def render_video(kind, rng, num_frames=16, size=64):
    """uint8 frames (T, size, size, 3) and per-frame boxes (T, 4) and masks (T, size, size)."""
    background = _smooth_texture(rng, size, size, int(rng.integers(3, 7)), 0, 255)
    # 4x4 blocks of random colours: coarse enough to survive small frames and video compression,
    # asymmetric enough that rotation and translation are visible
    texture = np.kron(rng.uniform(0, 255, size=(4, 4, 3)), np.ones((4, 4, 1))).astype(np.float32)
    cx, cy, halves, angles = _trajectory(kind, rng, num_frames, size)
    distractors = []
    for _ in range(int(rng.integers(1, 4))):
        # small blobs drifting in a random direction: motion that carries no class information
        position = rng.uniform(0, size, size=2)
        step = rng.normal(0, 0.6, size=2)
        colour = rng.uniform(0, 255, size=3)
        distractors.append((position, step, colour, rng.uniform(0.03, 0.06) * size))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    frames = np.empty((num_frames, size, size, 3), np.uint8)
    masks = np.zeros((num_frames, size, size), np.uint8)
    boxes = np.zeros((num_frames, 4), np.float32)
    for t in range(num_frames):
        image = background.copy()
        for position, step, colour, radius in distractors:
            px, py = position + step * t
            image[(xx - px) ** 2 + (yy - py) ** 2 < radius**2] = colour
        cos, sin = np.cos(angles[t]), np.sin(angles[t])
        dx, dy = xx - cx[t], yy - cy[t]
        u = (cos * dx + sin * dy) / halves[t]
        v = (-sin * dx + cos * dy) / halves[t]
        inside = _object_mask(kind, u, v)
        tu = np.clip(((u + 1) * 8).astype(int), 0, 15)
        tv = np.clip(((v + 1) * 8).astype(int), 0, 15)
        image[inside] = texture[tv[inside], tu[inside]]
        frames[t] = np.clip(image, 0, 255).astype(np.uint8)
        masks[t] = inside
        ys, xs = np.nonzero(inside)
        if len(xs):
            boxes[t] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    return frames, boxes, masks


# -- writing -----------------------------------------------------------------------------------


def write_video(path, frames, fps=25, container="mp4"):
    """Encode uint8 RGB frames (T, H, W, 3) to a real video file with PyAV."""
    if container not in CONTAINERS:
        raise ValueError(f"container must be one of {sorted(CONTAINERS)}, got {container!r}")
    format_name, codec = CONTAINERS[container]
    height, width = frames.shape[1:3]
    with av.open(str(path), mode="w", format=format_name) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "18"}
        else:
            stream.bit_rate = 2_000_000
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)


def _write_list(path, lines):
    # CRLF like the real UCF101 release, so the same adapter code path is exercised.
    path.write_bytes("".join(f"{line}\r\n" for line in lines).encode())


def make_synthetic_dataset(
    out_dir,
    classes=None,
    videos_per_class=12,
    num_frames=16,
    size=64,
    seed=0,
    container="mp4",
    fps=25,
    test_fraction=0.25,
    write_masks=True,
    progress=False,
):
    """Write the dataset under `out_dir` and return a SyntheticSummary.

    Deterministic from `seed`: the same arguments give the same pixels (encoders are deterministic
    single-threaded; frames are drawn from numpy Generators seeded by (seed, class, video)).
    """
    classes = list(classes) if classes else list(DEFAULT_CLASSES)
    unknown = [c for c in classes if c not in ALL_CLASSES]
    if unknown:
        raise ValueError(f"unknown synthetic classes {unknown}; known: {list(ALL_CLASSES)}")
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes repeat: {classes}")
    if videos_per_class < 2:
        raise ValueError(f"videos_per_class must be >= 2 (one train, one test), got {videos_per_class}")
    if num_frames < 2 or size < 16 or size % 2:
        raise ValueError(f"need num_frames >= 2 and an even size >= 16, got {num_frames} frames of {size} px")
    started = time.perf_counter()
    root = pathlib.Path(out_dir)
    split_dir = root / "ucfTrainTestlist"
    split_dir.mkdir(parents=True, exist_ok=True)
    extension = CONTAINERS[container][0] if container in CONTAINERS else container
    num_test = max(1, int(round(videos_per_class * test_fraction)))
    train_lines, test_lines, all_boxes = [], [], {}
    progress_bar = None
    if progress:
        from tqdm import tqdm

        progress_bar = tqdm(total=len(classes) * videos_per_class, desc="make-synthetic", unit="video")
    for class_index, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        kind_seed = ALL_CLASSES.index(name)
        for video_index in range(videos_per_class):
            rng = np.random.default_rng([seed, kind_seed, video_index])
            frames, boxes, masks = render_video(name, rng, num_frames=num_frames, size=size)
            stem = f"v_{name}_g{video_index + 1:02d}_c01"
            relative = f"{name}/{stem}.{extension}"
            write_video(root / relative, frames, fps=fps, container=container)
            all_boxes[f"{name}/{stem}"] = boxes.round(2).tolist()
            if write_masks:
                import scipy.io

                mask_dir = root / "annotations" / name / stem
                mask_dir.mkdir(parents=True, exist_ok=True)
                scipy.io.savemat(
                    mask_dir / "puppet_mask.mat", {"part_mask": np.transpose(masks, (1, 2, 0))}, do_compression=True
                )
            if video_index < num_test:
                test_lines.append(relative)
            else:
                train_lines.append(f"{relative} {class_index + 1}")
            if progress_bar is not None:
                progress_bar.update(1)
    if progress_bar is not None:
        progress_bar.close()
    _write_list(split_dir / "classInd.txt", [f"{i + 1} {name}" for i, name in enumerate(classes)])
    _write_list(split_dir / "trainlist01.txt", train_lines)
    _write_list(split_dir / "testlist01.txt", test_lines)
    boxes_path = root / "annotations" / "boxes.json"
    boxes_path.parent.mkdir(parents=True, exist_ok=True)
    boxes_path.write_text(json.dumps({"format": "xmin,ymin,xmax,ymax pixels per frame", "boxes": all_boxes}))
    summary = SyntheticSummary(
        root=str(root),
        split_dir=str(split_dir),
        classes=classes,
        num_videos=len(classes) * videos_per_class,
        num_train=len(train_lines),
        num_test=len(test_lines),
        num_frames=num_frames,
        size=size,
        container=container,
        boxes_path=str(boxes_path),
        seconds=time.perf_counter() - started,
    )
    (root / "synthetic.json").write_text(json.dumps(summary.as_dict(), indent=2))
    return summary


def load_boxes(root):
    """media_id -> float array (T, 4) of pixel boxes, from a generated dataset's boxes.json."""
    payload = json.loads((pathlib.Path(root) / "annotations" / "boxes.json").read_text())
    return {media_id: np.asarray(boxes, np.float32) for media_id, boxes in payload["boxes"].items()}
