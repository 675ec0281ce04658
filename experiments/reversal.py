"""S3D-G paper (Xie et al. 2018), Table 1 in miniature: does the model use the order of frames?

A frame-wise 2D model (f-R2D, the I2D idea: 2D convolutions on every frame, time averaged at the
end), a full 3D model (R3D, the I3D idea) and a separable one ((2+1)D, the S3D idea), all with the
same small ResNet trunk, are trained on the generated motion dataset and evaluated on the test
clips as recorded and with their frames in reverse order. Reversing a clip turns MoveLeft into
MoveRight (and so on), so a model that sees motion should drop on the direction classes, and a
model that only pools per-frame features cannot change its prediction.

    tools/runtime exec -- python experiments/reversal.py --seed 0
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import common  # noqa: E402

EXPERIMENT = "reversal"
MODELS = [  # (row label, preset, what it stands for in the paper)
    ("f-R2D (2D, I2D-style)", "fr2d_18", "2D"),
    ("R3D (3D, I3D-style)", "r3d_18", "3D"),
    ("R(2+1)D (separable, S3D-style)", "r2plus1d_18_paper", "3D"),
]


def main(argv=None):
    run = common.start(EXPERIMENT, __doc__.splitlines()[0], argv)
    args, scale, work_dir, data = run.args, run.scale, run.work_dir, run.data
    from keras_video.data.synthetic import APPEARANCE_CLASSES, direction_pairs

    direction = [c for pair in direction_pairs(data.classes) for c in pair]
    appearance = [c for c in data.classes if c in APPEARANCE_CLASSES]
    rows = []
    for label, preset, kind in MODELS:
        model, seconds = common.train_model(preset, data, scale, args.seed, work_dir / preset,
                                            common.small_resnet_overrides(scale))
        params, flops = common.model_size(model, scale)
        normal = common.evaluate(model, data, scale)
        reversed_ = common.evaluate(model, data, scale, reverse_time=True)
        rows.append({
            "model": label, "preset": preset, "kind": kind, "params": params, "gmacs": flops / 1e9,
            "train_seconds": round(seconds, 1),
            "normal": {"video_top1": normal.video_top1, "clip_top1": normal.clip_top1,
                       "direction": common.mean_accuracy(normal, direction),
                       "appearance": common.mean_accuracy(normal, appearance)},
            "reversed": {"video_top1": reversed_.video_top1, "clip_top1": reversed_.clip_top1,
                         "direction": common.mean_accuracy(reversed_, direction),
                         "appearance": common.mean_accuracy(reversed_, appearance)},
        })
    header = ["model", "params", "all: normal", "all: reversed", "direction classes: normal",
              "direction classes: reversed", "appearance classes: normal", "appearance classes: reversed"]
    table = common.markdown_table(header, [
        [r["model"], f"{r['params']:,}", common.percent(r["normal"]["video_top1"]),
         common.percent(r["reversed"]["video_top1"]), common.percent(r["normal"]["direction"]),
         common.percent(r["reversed"]["direction"]), common.percent(r["normal"]["appearance"]),
         common.percent(r["reversed"]["appearance"])] for r in rows])
    common.write_results(args, EXPERIMENT, scale, data, rows, table, run.started,
                         extra={"direction_classes": direction, "appearance_classes": appearance,
                                "metric": f"video-level top-1 (%), mean softmax of {scale.eval_views} clips"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
