"""The `keras-video` command line: one sub-command per module, imported only when used."""

import argparse
import importlib
import sys

from keras_video.version import __version__

# Each module defines `register(subparsers)`, which adds its verb(s); heavy imports happen in the
# handlers so that `keras-video --help` stays fast.
COMMAND_MODULES = [
    "keras_video.cli.env_command",
    "keras_video.cli.models_command",
    "keras_video.cli.prepare_command",
    "keras_video.cli.check_videos_command",
    "keras_video.cli.make_synthetic_command",
    "keras_video.cli.train_command",
    "keras_video.cli.finetune_command",
    "keras_video.cli.evaluate_command",
    "keras_video.cli.export_command",
    "keras_video.cli.demo_command",
    "keras_video.cli.convert_command",
]


class UsageError(Exception):
    """Bad arguments: printed as one line, exit code 2."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-video",
        description="Video action recognition and detection with Keras 3 and TFX.",
    )
    parser.add_argument("--version", action="version", version=f"keras-video {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except UsageError as error:
        print(f"keras-video {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
