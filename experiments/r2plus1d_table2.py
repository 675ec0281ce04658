"""R(2+1)D paper (Tran et al. 2018), Table 2 in miniature: R2D vs MC3 vs R3D vs R(2+1)D.

The four convolution layouts of the paper, each with the same small ResNet trunk (equal depth:
one basic block per stage), trained on the same generated motion dataset with the same budget
(epochs, batch, schedule, seed), and evaluated at clip level (each test clip alone) and video
level (mean softmax of the clips of a test video), with parameter and multiply-add counts.

    tools/runtime exec -- python experiments/r2plus1d_table2.py --seed 0
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import common  # noqa: E402

EXPERIMENT = "r2plus1d_table2"
MODELS = [  # (row label, preset, extra overrides)
    ("R2D (frames folded into channels)", "r2d_18"),
    ("MC3 (3D conv1-conv2, 2D above)", "mc3_18"),
    ("R3D (3D everywhere)", "r3d_18"),
    ("R(2+1)D (§3.5 parameter-matched widths)", "r2plus1d_18_paper"),
]


def main(argv=None):
    run = common.start(EXPERIMENT, __doc__.splitlines()[0], argv)
    args, scale, work_dir, data = run.args, run.scale, run.work_dir, run.data
    rows = []
    for label, preset in MODELS:
        # R2D folds exactly `num_frames` frames into channels, so it is told the clip length.
        extra = {"num_frames": scale.clip_frames} if preset == "r2d_18" else {}
        model, seconds = common.train_model(preset, data, scale, args.seed, work_dir / preset,
                                            common.small_resnet_overrides(scale, **extra))
        params, flops = common.model_size(model, scale)
        result = common.evaluate(model, data, scale)
        rows.append({"model": label, "preset": preset, "params": params, "gmacs": flops / 1e9,
                     "train_seconds": round(seconds, 1), "clip_top1": result.clip_top1,
                     "video_top1": result.video_top1, "clip_top5": result.clip_top5,
                     "video_top5": result.video_top5})
    header = ["model", "preset", "params", "GMACs/clip", "clip top-1", "video top-1"]
    table = common.markdown_table(header, [
        [r["model"], f"`{r['preset']}`", f"{r['params']:,}", f"{r['gmacs']:.3f}", common.percent(r["clip_top1"]),
         common.percent(r["video_top1"])] for r in rows])
    common.write_results(args, EXPERIMENT, scale, data, rows, table, run.started,
                         extra={"metric": f"top-1 (%); video level = mean softmax of {scale.eval_views} clips"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
