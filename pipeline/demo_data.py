"""The demo's datasets: the generated motion dataset with two video lengths, and the real clips.

Two lengths make the clip-count slice real: with the demo's 8-frame clips at stride 2 (a 16-frame
span) and up to 3 clips per video, the 16-frame videos are scored with 1 clip and the 32-frame ones
with 2. The default classes are motion pairs whose labels survive a horizontal flip (training flips
clips): up/down and grow/shrink, which only a model that sees frame order can separate.

Size matters more than epochs here: the demo's small R(2+1)D reached 97-100% video top-1 on these
classes with 240 training videos per class, but memorized (86% train, 55% test) with 96 per class
and stayed at chance with 12 per class (the earlier default), so the default is 320 per class.
"""

import json
import os
import shutil

DEMO_CLASSES = ("MoveUp", "MoveDown", "Grow", "Shrink")
DEMO_VIDEOS_PER_CLASS = 320
DEMO_VIDEO_SIZE = 32
FINETUNE_CLASSES = ("MoveLeft", "MoveRight", "StaticRing", "StaticCross")
LENGTHS = (16, 32)
SPLIT_DIR = "ucfTrainTestlist"
MARKER = "demo_dataset.json"


def _read_list(path):
    with open(path, "rb") as handle:
        return [line for line in handle.read().decode().splitlines() if line.strip()]


def _write_list(path, lines):
    with open(path, "wb") as handle:  # CRLF, as the real UCF101 lists
        handle.write("".join(f"{line}\r\n" for line in lines).encode())


def make_demo_dataset(out_dir, classes=DEMO_CLASSES, videos_per_class=DEMO_VIDEOS_PER_CLASS, size=DEMO_VIDEO_SIZE, seed=0,
                      lengths=LENGTHS):
    """UCF101-layout dataset under `out_dir` mixing videos of `lengths` frames; returns its summary.

    Reuses an existing dataset made with the same arguments (the marker file records them).
    """
    arguments = {"classes": list(classes), "videos_per_class": videos_per_class, "size": size, "seed": seed,
                 "lengths": list(lengths)}
    marker = os.path.join(out_dir, MARKER)
    if os.path.exists(marker):
        with open(marker) as handle:
            existing = json.load(handle)
        if existing["arguments"] == arguments:
            return existing
        shutil.rmtree(out_dir)
    # Imported here: the CLI reads this module's defaults at start-up, and the generator pulls in PyAV.
    from keras_video.data.synthetic import make_synthetic_dataset

    per_length = max(2, videos_per_class // len(lengths))
    parts = []
    for part, num_frames in enumerate(lengths):
        part_dir = os.path.join(out_dir, f"_part{part}")
        summary = make_synthetic_dataset(part_dir, classes=list(classes), videos_per_class=per_length,
                                         num_frames=num_frames, size=size, seed=seed + part)
        parts.append((part, part_dir, summary))
    train, test = [], []
    for part, part_dir, _ in parts:
        # Same class directories; clip suffix c01, c02, ... tells the parts apart.
        def rename(relative, part=part):
            return relative.replace("_c01.", f"_c{part + 1:02d}.")

        for relative_line in _read_list(os.path.join(part_dir, SPLIT_DIR, "trainlist01.txt")):
            relative, label = relative_line.split()
            train.append(f"{rename(relative)} {label}")
        test += [rename(line.strip()) for line in _read_list(os.path.join(part_dir, SPLIT_DIR, "testlist01.txt"))]
        for name in classes:
            os.makedirs(os.path.join(out_dir, name), exist_ok=True)
            for file_name in os.listdir(os.path.join(part_dir, name)):
                os.replace(os.path.join(part_dir, name, file_name),
                           os.path.join(out_dir, name, rename(f"{name}/{file_name}").split("/", 1)[1]))
    os.makedirs(os.path.join(out_dir, SPLIT_DIR), exist_ok=True)
    shutil.copyfile(os.path.join(parts[0][1], SPLIT_DIR, "classInd.txt"), os.path.join(out_dir, SPLIT_DIR, "classInd.txt"))
    _write_list(os.path.join(out_dir, SPLIT_DIR, "trainlist01.txt"), train)
    _write_list(os.path.join(out_dir, SPLIT_DIR, "testlist01.txt"), test)
    for _, part_dir, _ in parts:
        shutil.rmtree(part_dir)
    summary = {"arguments": arguments, "root": out_dir, "num_videos": len(train) + len(test),
               "num_train": len(train), "num_test": len(test), "classes": list(classes)}
    with open(marker, "w") as handle:
        json.dump(summary, handle, indent=1)
    return summary


# The bundled real fixtures (../shared/data/real, see its PROVENANCE.md): clip -> (class, split).
REAL_CLIPS = {
    "videos/mmaction2/test.avi": ("ApplyEyeMakeup", "train"),  # UCF101 v_ApplyEyeMakeup_g01_c01
    "videos/mmaction2/demo.mp4": ("arm wrestling", "train"),  # Kinetics-style
    "videos/mmaction2/test.mp4": ("cleaning pool", "test"),  # Kinetics-style
    "jhmdb/sample/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2.avi": ("catch", "test"),  # JHMDB
}


def is_real_fixture_dir(path):
    return os.path.isfile(os.path.join(path, "PROVENANCE.md")) and os.path.isdir(os.path.join(path, "videos"))


def make_real_clips_list(real_dir, out_dir):
    """A generic CSV list (path,label,split) of the bundled real clips; the videos stay where they are."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "real_clips.csv")
    with open(path, "w") as handle:
        handle.write("path,label,split\n")
        for relative, (label, split) in REAL_CLIPS.items():
            handle.write(f"{os.path.join(os.path.abspath(real_dir), relative)},{label},{split}\n")
    return path
