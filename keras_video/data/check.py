"""`check-videos`: open and decode every video under a directory and list the ones that fail.

Each problem is a DeadLetter (zero bytes, not a media file, no video stream, truncated,
undecodable, too short); `check_videos` never raises for a bad file.
"""

import dataclasses
import os
import pathlib

from keras_video.data.dead_letter import DeadLetterLog
from keras_video.data.records import VideoError
from keras_video.data.video import VIDEO_EXTENSIONS, VideoReader


@dataclasses.dataclass
class CheckedVideo:
    path: str
    num_frames: int
    header_frames: int
    fps: float
    width: int
    height: int


def find_video_files(directory, all_files=False):
    """Files under `directory` with a video extension (every file with all_files=True), sorted."""
    found = []
    for parent, _, names in os.walk(directory):
        for name in names:
            if all_files or pathlib.Path(name).suffix.lower() in VIDEO_EXTENSIONS:
                found.append(pathlib.Path(parent) / name)
    return sorted(found)


def check_video(path, min_frames=1, full_decode=True):
    """CheckedVideo for a good file; raises VideoError for a bad one."""
    reader = VideoReader(path)
    info = reader.info
    reader.check_complete()
    decoded = info.num_frames
    if full_decode:
        decoded = 0
        try:
            for _ in reader.iter_frames():
                decoded += 1
        except VideoError as error:
            if decoded == 0:
                raise
            raise VideoError("truncated", f"{path}: decoding stopped after {decoded} of {info.num_frames} frames ({error.detail})") from None
    if decoded < min_frames:
        raise VideoError("too_short", f"{path}: {decoded} frames, at least {min_frames} needed")
    return CheckedVideo(str(path), decoded, info.header_frames, info.fps, info.width, info.height)


def check_videos(directory, *, min_frames=1, full_decode=True, all_files=False, progress=False):
    """(good CheckedVideos, DeadLetterLog) for every video file under `directory`."""
    files = find_video_files(directory, all_files=all_files)
    log = DeadLetterLog()
    good = []
    iterator = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="check-videos", unit="video")
    for path in iterator:
        log.read += 1
        try:
            good.append(check_video(path, min_frames=min_frames, full_decode=full_decode))
            log.written += 1
        except VideoError as error:
            log.add(path, error.reason, error.detail)
        except Exception as error:  # report and go on: this tool exists to survive bad files
            log.add(path, "undecodable", f"{type(error).__name__}: {error}")
    return good, log
