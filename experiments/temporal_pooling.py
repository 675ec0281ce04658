"""Deep-analysis paper (Chen et al. 2021), temporal pooling in miniature: the same 3D model with
and without temporal downsampling.

One small R3D trunk (3x3x3 convolutions, one basic block per stage) in three variants that differ
only in what happens to the time axis: kept at full length in every stage; halved by a temporal
max pooling (window 2) before the first stage, the paper's "_tp" idea; halved at every stage by
strided 3D convolutions (the R(2+1)D paper's default, 8 frames -> 1 at the last stage). Trained
with the same budget on the generated motion dataset and evaluated at clip and video level.

    tools/runtime exec -- python experiments/temporal_pooling.py --seed 0
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import common  # noqa: E402

EXPERIMENT = "temporal_pooling"
PRESET = "r3d_18"
SPATIAL_ONLY = [[1, 1, 1], [1, 2, 2], [1, 2, 2], [1, 2, 2]]
SPATIO_TEMPORAL = [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]]
VARIANTS = [  # (row label, backbone overrides)
    ("no temporal pooling (T kept in every stage)", {"stage_strides": SPATIAL_ONLY}),
    ("temporal max pool /2 before res2", {"stage_strides": SPATIAL_ONLY, "res2_temporal_pool": [2, 1, 1]}),
    ("temporal stride 2 in res3-res5 (/8 overall)", {"stage_strides": SPATIO_TEMPORAL}),
]


def main(argv=None):
    run = common.start(EXPERIMENT, __doc__.splitlines()[0], argv)
    args, scale, work_dir, data = run.args, run.scale, run.work_dir, run.data
    rows = []
    for index, (label, overrides) in enumerate(VARIANTS):
        model, seconds = common.train_model(PRESET, data, scale, args.seed, work_dir / f"variant{index}",
                                            common.small_resnet_overrides(scale, **overrides))
        params, flops = common.model_size(model, scale)
        result = common.evaluate(model, data, scale)
        rows.append({"model": label, "preset": PRESET, "overrides": overrides, "params": params,
                     "gmacs": flops / 1e9, "train_seconds": round(seconds, 1), "clip_top1": result.clip_top1,
                     "video_top1": result.video_top1})
    header = ["R3D variant", "params", "GMACs/clip", "clip top-1", "video top-1"]
    table = common.markdown_table(header, [
        [r["model"], f"{r['params']:,}", f"{r['gmacs']:.3f}", common.percent(r["clip_top1"]),
         common.percent(r["video_top1"])] for r in rows])
    common.write_results(args, EXPERIMENT, scale, data, rows, table, run.started,
                         extra={"metric": f"top-1 (%); video level = mean softmax of {scale.eval_views} clips"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
