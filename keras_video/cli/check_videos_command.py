"""`keras-video check-videos DIR`: decode every video under DIR and list the broken ones."""

import json
import pathlib

from keras_video.cli.main import UsageError


def run(args):
    from keras_video.data.check import check_videos

    if not pathlib.Path(args.directory).is_dir():
        raise UsageError(f"{args.directory}: not a directory")
    if args.min_frames < 1:
        raise UsageError(f"--min-frames must be >= 1, got {args.min_frames}")
    good, log = check_videos(
        args.directory, min_frames=args.min_frames, full_decode=not args.quick, all_files=args.all_files,
        progress=not args.no_progress,
    )
    if args.json:
        print(json.dumps({"read": log.read, "good": log.written, "problems": [l.as_dict() for l in log.letters]}, indent=2))
    else:
        for letter in log.letters:
            print(f"{letter.reason:16s} {letter.detail}")
        print(f"{log.read} files checked: {log.written} good, {log.dead_lettered} with problems")
    return 1 if log.letters else 0


def register(subparsers):
    parser = subparsers.add_parser(
        "check-videos", help="decode every video under a directory and list unreadable, truncated or short ones"
    )
    parser.add_argument("directory", help="directory to scan (recursively)")
    parser.add_argument("--min-frames", type=int, default=1, help="report videos with fewer decodable frames")
    parser.add_argument("--quick", action="store_true", help="open and index only; skip the full decode")
    parser.add_argument("--all-files", action="store_true", help="check every file, not only video extensions")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)
