"""RoIAlign (Mask R-CNN, with the half-pixel "aligned" convention) written with keras.ops."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class RoIAlign(keras.layers.Layer):
    """Pools a fixed `output_size` x `output_size` grid of features for each box.

    Inputs: features (B, H, W, C) and boxes (B, N, 4) as normalised (ymin, xmin, ymax, xmax) in
    [0, 1] of the feature map's extent (the dataset's box convention). Output (B, N, S, S, C).
    Each output bin averages `sampling_ratio` x `sampling_ratio` bilinear samples taken at
    regularly spaced points inside the bin; pixel centres sit at half-integer coordinates
    (aligned=True). Samples outside the map are clamped to its border.
    """

    def __init__(self, output_size=7, sampling_ratio=2, **kwargs):
        super().__init__(**kwargs)
        self.output_size = int(output_size)
        self.sampling_ratio = int(sampling_ratio)

    def _sample_coordinates(self, low, high, extent):
        """(B, N, S*r) sample positions in feature pixels (pixel centres at integers)."""
        steps = self.output_size * self.sampling_ratio
        offsets = (ops.arange(steps, dtype="float32") + 0.5) / steps  # fractions of the box
        low = low * extent - 0.5
        high = high * extent - 0.5
        return low[..., None] + (high - low)[..., None] * offsets

    def call(self, features, boxes):
        features = ops.convert_to_tensor(features)
        boxes = ops.cast(boxes, "float32")
        shape = ops.shape(features)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        h = ops.cast(height, "float32")
        w = ops.cast(width, "float32")
        ys = ops.clip(self._sample_coordinates(boxes[..., 0], boxes[..., 2], h), 0.0, h - 1.0)
        xs = ops.clip(self._sample_coordinates(boxes[..., 1], boxes[..., 3], w), 0.0, w - 1.0)
        y0 = ops.floor(ys)
        x0 = ops.floor(xs)
        wy = (ys - y0)[:, :, :, None, None]  # (B, N, Sy, 1, 1)
        wx = (xs - x0)[:, :, None, :, None]  # (B, N, 1, Sx, 1)
        y0 = ops.cast(y0, "int32")
        x0 = ops.cast(x0, "int32")
        y1 = ops.minimum(y0 + 1, height - 1)
        x1 = ops.minimum(x0 + 1, width - 1)

        flat = ops.reshape(features, (-1, channels))
        base = (ops.arange(batch, dtype="int32") * height * width)[:, None, None, None]

        def gather(y, x):
            index = base + y[:, :, :, None] * width + x[:, :, None, :]  # (B, N, Sy, Sx)
            return ops.take(flat, index, axis=0)  # (B, N, Sy, Sx, C)

        dtype = features.dtype
        wy, wx = ops.cast(wy, dtype), ops.cast(wx, dtype)
        top = gather(y0, x0) * (1 - wx) + gather(y0, x1) * wx
        bottom = gather(y1, x0) * (1 - wx) + gather(y1, x1) * wx
        samples = top * (1 - wy) + bottom * wy
        s, r = self.output_size, self.sampling_ratio
        num_boxes = ops.shape(boxes)[1]
        samples = ops.reshape(samples, (batch, num_boxes, s, r, s, r, channels))
        return ops.mean(samples, axis=(3, 5))

    def compute_output_shape(self, features_shape, boxes_shape):
        return (features_shape[0], boxes_shape[1], self.output_size, self.output_size, features_shape[-1])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size, "sampling_ratio": self.sampling_ratio}
