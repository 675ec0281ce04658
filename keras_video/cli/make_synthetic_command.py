"""`keras-video make-synthetic OUT`: write the generated motion dataset (real video files)."""

from keras_video.cli.main import UsageError


def run(args):
    from keras_video.data import synthetic

    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    if classes:
        unknown = [c for c in classes if c not in synthetic.ALL_CLASSES]
        if unknown:
            raise UsageError(f"--classes: unknown {unknown}; choose from {', '.join(synthetic.ALL_CLASSES)}")
    if args.videos_per_class < 2:
        raise UsageError(f"--videos-per-class must be >= 2, got {args.videos_per_class}")
    if args.num_frames < 2 or args.size < 16 or args.size % 2:
        raise UsageError("--num-frames must be >= 2 and --size an even number >= 16")
    summary = synthetic.make_synthetic_dataset(
        args.out, classes=classes, videos_per_class=args.videos_per_class, num_frames=args.num_frames,
        size=args.size, seed=args.seed, container=args.container, fps=args.fps, progress=not args.no_progress,
    )
    print(
        f"wrote {summary.num_videos} videos ({summary.num_train} train, {summary.num_test} test, "
        f"{len(summary.classes)} classes, {summary.num_frames} frames of {summary.size}x{summary.size}, "
        f"{summary.container}) to {summary.root} in {summary.seconds:.1f}s"
    )
    print(f"split lists: {summary.split_dir}; boxes: {summary.boxes_path}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("make-synthetic", help="generate the motion dataset (UCF101 layout, real videos)")
    parser.add_argument("out", help="output directory")
    parser.add_argument("--classes", default=None, help="comma-separated class names (default: all 10)")
    parser.add_argument("--videos-per-class", type=int, default=12)
    parser.add_argument("--num-frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=64, help="frame width and height in pixels (even)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--container", choices=("mp4", "avi"), default="mp4", help="mp4 (H.264) or avi (MPEG-4)")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)
