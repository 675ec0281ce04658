"""PyAV video reading: true frame counts, keyframe seeking, decoding only the frames asked for.

Container headers lie (the bundled JHMDB clip's AVI header says 48 frames; it decodes to 40), so
the frame count here is the number of non-empty video packets, which is what a decoder turns into
frames; tests check it against a full decode of every bundled real clip.

Frame `i` is the i-th frame in presentation order. To read a set of frames the reader seeks to the
keyframe at or before the first one wanted, decodes forward, skips keyframe gaps with a new seek,
and stops after the last one wanted.
"""

import bisect
import contextlib
import dataclasses
import io
import os
import pathlib

import av
import numpy as np

from keras_video.data.records import VideoError

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg", ".flv", ".wmv")

# AVI carries no reordered presentation timestamps: frames come out of the decoder in presentation
# order, but their pts are packet (decode-order) stamps, so positions are counted, not looked up.
_COUNTED_FORMATS = ("avi",)


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What a video holds, as decoded (not as its header claims)."""

    num_frames: int
    fps: float
    duration: float  # seconds: num_frames / fps
    width: int
    height: int
    codec: str
    container: str
    header_frames: int  # what the container header claims (0 when it does not say)


def resized_shape(height, width, short_side):
    """(height, width) with the shorter side scaled to `short_side`, aspect ratio kept."""
    if not short_side or min(height, width) == short_side:
        return height, width
    scale = short_side / min(height, width)
    if height <= width:
        return int(short_side), max(1, int(round(width * scale)))
    return max(1, int(round(height * scale))), int(short_side)


@contextlib.contextmanager
def _closing_demux(container, stream):
    """`container.demux(stream)`, closed on exit (before the caller closes the container)."""
    packets = container.demux(stream)
    try:
        yield packets
    finally:
        packets.close()


def _source_name(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    return str(source)


class VideoReader:
    """Reads frames of one video file (path) or in-memory video (bytes) with PyAV.

    Use as a context manager or call `close()`; every container it opens is closed before the
    call that opened it returns, so repeated reads do not accumulate decoder state.
    """

    def __init__(self, source, *, threads=True):
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._data = bytes(source)
            self._path = None
            if not self._data:
                raise VideoError("empty_file", f"{_source_name(source)}: no bytes")
        else:
            self._data = None
            self._path = os.fspath(source)
            if not os.path.exists(self._path):
                raise VideoError("missing_file", f"{self._path}: no such file")
            if os.path.getsize(self._path) == 0:
                raise VideoError("empty_file", f"{self._path}: zero bytes")
        self.name = _source_name(source)
        self.threads = threads
        self._index = None
        self._info = None

    # -- opening -------------------------------------------------------------------------------

    def _open(self):
        target = io.BytesIO(self._data) if self._data is not None else self._path
        try:
            container = av.open(target, mode="r")
        except av.error.FFmpegError as error:
            if self._looks_like_mp4():
                # an MP4/MOV signature that will not open: the index (moov) was never written or was cut off
                raise VideoError("truncated", f"{self.name}: MP4/MOV file without a readable index ({error})") from None
            raise VideoError("not_a_video", f"{self.name}: cannot open as a media container ({error})") from None
        if not container.streams.video:
            container.close()
            raise VideoError("no_video_stream", f"{self.name}: the container has no video stream")
        stream = container.streams.video[0]
        if self.threads:
            stream.thread_type = "AUTO"
        return container, stream

    def _looks_like_mp4(self):
        if self._data is not None:
            head = self._data[:12]
        else:
            with open(self._path, "rb") as handle:
                head = handle.read(12)
        return len(head) >= 8 and head[4:8] == b"ftyp"

    def _build_index(self):
        """Demux (no decoding) to find every frame's timestamp and the keyframe positions."""
        container, stream = self._open()
        stamps, keyframe_stamps = [], []
        demux_error = None
        try:
            header_frames = int(stream.frames or 0)
            fps = float(stream.average_rate or stream.guessed_rate or stream.base_rate or 0) or 25.0
            time_base = stream.time_base
            width, height = stream.codec_context.width, stream.codec_context.height
            codec = stream.codec_context.name
            container_name = container.format.name
            declared_duration = (container.duration or 0) / 1e6
            fallback_pts = 0
            with _closing_demux(container, stream) as packets:
                try:
                    for packet in packets:
                        if packet.size == 0:
                            continue
                        pts = packet.pts if packet.pts is not None else packet.dts
                        if pts is None:
                            pts = fallback_pts
                        fallback_pts = pts + 1
                        stamps.append(pts)
                        if packet.is_keyframe:
                            keyframe_stamps.append(pts)
                except av.error.FFmpegError as error:
                    demux_error = str(error)
        finally:
            container.close()
        if not stamps:
            detail = f"{self.name}: the video stream has no packets"
            if demux_error:
                detail += f" ({demux_error})"
            raise VideoError("undecodable", detail)
        order = sorted(stamps)
        self._counted = any(container_name.startswith(name) for name in _COUNTED_FORMATS)
        self._position_of = {pts: position for position, pts in enumerate(order)}
        self._keyframes = sorted({self._position_of[pts] for pts in keyframe_stamps} | {0})
        self._stamps = order
        self._time_base = time_base
        num_frames = len(order)
        last_time = float(order[-1] * time_base) if time_base else num_frames / fps
        # Headers over-count a little (JHMDB: 48 claimed, 40 real); a cut file loses far more.
        short_of_duration = declared_duration > 1.0 and last_time < 0.75 * declared_duration - 1.0 / fps
        short_of_header = header_frames >= 8 and num_frames < 0.75 * header_frames
        self._truncated = demux_error is not None or short_of_duration or short_of_header
        self._truncation_detail = demux_error or (
            f"{num_frames} frames up to {last_time:.2f}s, but the container declares "
            f"{header_frames} frames / {declared_duration:.2f}s"
        )
        self._info = VideoInfo(
            num_frames=num_frames,
            fps=fps,
            duration=num_frames / fps,
            width=width,
            height=height,
            codec=codec,
            container=container_name,
            header_frames=header_frames,
        )

    @property
    def info(self):
        if self._info is None:
            self._build_index()
        return self._info

    @property
    def truncated(self):
        """True when the stream ends (or fails) well before the container says it should."""
        self.info
        return self._truncated

    def check_complete(self):
        """Raise VideoError("truncated") when the file ends well before its declared duration."""
        if self.truncated:
            raise VideoError("truncated", f"{self.name}: {self._truncation_detail}")

    # -- decoding ------------------------------------------------------------------------------

    def _to_array(self, frame, short_side):
        height, width = resized_shape(frame.height, frame.width, short_side)
        if (height, width) == (frame.height, frame.width):
            return frame.to_ndarray(format="rgb24")
        return frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="BILINEAR")

    def iter_frames(self, short_side=None):
        """Every frame in order as (position, uint8 RGB array); raises VideoError on failure."""
        container, stream = self._open()
        position = 0
        try:
            with contextlib.closing(self._decode(container, stream)) as frames:
                for frame in frames:
                    yield position, self._to_array(frame, short_side)
                    position += 1
        finally:
            container.close()
        if position == 0:
            raise VideoError("undecodable", f"{self.name}: no frame could be decoded")

    def _decode(self, container, stream):
        """Frames in presentation order from the current read position.

        Demuxes and decodes explicitly instead of through `container.decode`, so that the packet
        generator is closed before the container is: PyAV 19 leaks ~300 bytes of native memory for
        every container closed while a demux generator it started is still suspended (every
        early-stopping read did that; 20,000 reads grew RSS by ~6 MiB).
        """
        with _closing_demux(container, stream) as packets:
            try:
                for packet in packets:
                    yield from stream.decode(packet)
            except av.error.FFmpegError as error:
                raise VideoError("undecodable", f"{self.name}: decoding failed ({error})") from None

    def read(self, indices, short_side=None):
        """Frames at `indices` (any order, repeats allowed) as uint8 (len(indices), H, W, 3).

        Indices must lie in [0, num_frames); samplers pad short videos before asking.
        """
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        info = self.info
        if indices.size == 0:
            raise ValueError(f"{self.name}: no frame indices given")
        if indices.min() < 0 or indices.max() >= info.num_frames:
            raise ValueError(
                f"{self.name}: frame indices must be in [0, {info.num_frames}), got "
                f"[{indices.min()}, {indices.max()}]"
            )
        wanted = sorted(set(indices.tolist()))
        decoded = self._decode_positions(wanted, short_side)
        missing = [position for position in wanted if position not in decoded]
        if missing:
            raise VideoError(
                "undecodable", f"{self.name}: frames {missing[:5]} could not be decoded ({len(missing)} missing)"
            )
        return np.stack([decoded[position] for position in indices.tolist()])

    def _decode_positions(self, wanted, short_side):
        decoded = {}
        container, stream = self._open()
        try:
            cursor = 0  # index into `wanted`
            while cursor < len(wanted):
                keyframe = self._keyframes[bisect.bisect_right(self._keyframes, wanted[cursor]) - 1]
                if keyframe > 0:
                    container.seek(int(self._stamps[keyframe]), stream=stream, backward=True, any_frame=False)
                else:
                    container.seek(0, stream=stream, backward=True, any_frame=False)
                cursor = self._decode_run(container, stream, wanted, cursor, short_side, decoded)
        except av.error.FFmpegError as error:
            raise VideoError("undecodable", f"{self.name}: seeking/decoding failed ({error})") from None
        finally:
            container.close()
        return decoded

    def _decode_run(self, container, stream, wanted, cursor, short_side, decoded):
        """Decode forward from the current seek point; return the cursor where a new seek pays off."""
        with contextlib.closing(self._decode(container, stream)) as frames:
            return self._take_wanted(frames, wanted, cursor, short_side, decoded)

    def _take_wanted(self, frames, wanted, cursor, short_side, decoded):
        """Convert the wanted frames among `frames` into `decoded`; stop where a seek pays off."""
        position = None
        for frame in frames:
            if position is None or not self._counted:
                known = self._position_of.get(frame.pts)
                position = known if known is not None else (0 if position is None else position + 1)
            else:
                position += 1
            while cursor < len(wanted) and wanted[cursor] < position:
                cursor += 1  # never produced after this seek: give up on it below
            if cursor >= len(wanted):
                return cursor
            if position == wanted[cursor]:
                decoded[position] = self._to_array(frame, short_side)
                cursor += 1
                if cursor >= len(wanted):
                    return cursor
                # A keyframe between here and the next wanted frame: seeking beats decoding the gap.
                next_keyframe = self._keyframes[bisect.bisect_right(self._keyframes, wanted[cursor]) - 1]
                if next_keyframe > position + 1:
                    return cursor
        return len(wanted)

    def read_all(self, short_side=None):
        """Every frame as uint8 (N, H, W, 3)."""
        frames = None
        count = 0
        for position, array in self.iter_frames(short_side):
            if frames is None:  # one allocation, sized by the packet count (decoded count may be lower)
                frames = np.empty((self.info.num_frames,) + array.shape, np.uint8)
            if position >= len(frames):
                frames = np.concatenate([frames, array[None]])
            else:
                frames[position] = array
            count = position + 1
        return frames[:count]

    def close(self):
        self._data = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def probe(source):
    """VideoInfo of a file or bytes (demux only, no decoding)."""
    return VideoReader(source).info


def read_frames(source, indices, short_side=None):
    """Decode just `indices` of a video: uint8 (len(indices), H, W, 3)."""
    return VideoReader(source).read(indices, short_side=short_side)


def is_video_file(path):
    return pathlib.Path(path).suffix.lower() in VIDEO_EXTENSIONS
