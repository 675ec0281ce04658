"""`keras-video prepare`: a dataset's videos -> gzip TFRecord shards of SequenceExamples."""

import pathlib
import sys

from keras_video.cli.main import UsageError

DATASETS = ("ucf101", "hmdb51", "jhmdb", "ucf101_24", "kinetics", "ssv2", "csv")


def run(args):
    from keras_video.data.adapters import list_videos
    from keras_video.data.prepare import write_tfrecords

    root = pathlib.Path(args.root)
    if not root.is_dir():
        raise UsageError(f"--root {args.root}: not a directory")
    if args.splits and not pathlib.Path(args.splits).exists():
        raise UsageError(f"--splits {args.splits}: no such file or directory")
    if args.short_side is not None and args.short_side < 16:
        raise UsageError(f"--short-side must be >= 16, got {args.short_side}")
    if args.fps is not None and args.fps <= 0:
        raise UsageError(f"--fps must be > 0, got {args.fps}")
    try:
        listing = list_videos(args.dataset, root, annotations=args.splits, split=args.split)
    except (FileNotFoundError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(listing.report())
    records = listing.records
    if args.only_split:
        records = [record for record in records if record.split == args.only_split]
    summary = write_tfrecords(
        records, args.out, adapter_dead_letters=listing.dead_letters, classes=listing.classes, fps=args.fps,
        short_side=args.short_side, min_frames=args.min_frames, num_shards=args.num_shards,
        progress=not args.no_progress,
    )
    written = ", ".join(f"{split}={count}" for split, count in sorted(summary.by_split.items()))
    print(f"wrote {summary.written} examples ({written}) to {summary.out_dir}")
    print(
        f"read={summary.read} written={summary.written} dead_lettered={summary.dead_lettered} "
        f"({'balanced' if summary.balanced else 'UNBALANCED'}); dead letters: {summary.dead_letter_path}"
    )
    if summary.dead_letters_by_reason:
        reasons = ", ".join(f"{reason}={count}" for reason, count in summary.dead_letters_by_reason.items())
        print(f"dead letters by reason: {reasons}", file=sys.stderr)
    return 0 if summary.balanced else 1


def register(subparsers):
    parser = subparsers.add_parser(
        "prepare", help="encode a dataset's videos into TFRecord shards of SequenceExamples (JPEG frames)"
    )
    parser.add_argument("--dataset", required=True, choices=DATASETS, help="dataset adapter")
    parser.add_argument("--root", required=True, help="directory holding the videos")
    parser.add_argument("--splits", default=None, help="annotation/split directory or file (default: found under --root)")
    parser.add_argument("--split", type=int, default=1, help="split number (UCF101/HMDB51/JHMDB: 1-3)")
    parser.add_argument("--out", required=True, help="output directory for the shards")
    parser.add_argument("--fps", type=float, default=None, help="store frames at this rate (default: all frames)")
    parser.add_argument("--short-side", type=int, default=256, help="resize frames to this short side (default 256)")
    parser.add_argument("--min-frames", type=int, default=1, help="dead-letter videos with fewer frames")
    parser.add_argument("--num-shards", type=int, default=None, help="shards per split (default: 256 videos each)")
    parser.add_argument("--only-split", choices=("train", "test", "unused"), default=None, help="write one split only")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)
