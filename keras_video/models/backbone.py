"""The functional Backbone base class shared by every model family."""

import keras


@keras.saving.register_keras_serializable(package="keras_video")
class Backbone(keras.Model):
    """A functional feature extractor: clip (batch, time, height, width, 3) -> last features.

    Subclasses build their graph in `__init__` from JSON-safe constructor arguments, call
    `super().__init__(inputs=..., outputs=..., endpoints=...)`, and return exactly those
    arguments from `get_config`. `endpoints` maps stage names (e.g. "res2", "Mixed_4f") to the
    symbolic outputs of those stages; detection heads read them through `feature_extractor`.
    """

    def __init__(self, inputs, outputs, endpoints=None, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._endpoint_tensors = dict(endpoints or {})

    @property
    def endpoints(self):
        """Stage name -> symbolic output tensor, in network order."""
        return dict(self._endpoint_tensors)

    @property
    def endpoint_names(self):
        return list(self._endpoint_tensors)

    def feature_extractor(self, names=None):
        """A model sharing this backbone's weights that returns a dict of the named endpoints."""
        names = list(names or self._endpoint_tensors)
        unknown = [n for n in names if n not in self._endpoint_tensors]
        if unknown:
            raise ValueError(f"unknown endpoint(s) {unknown}; this backbone has {self.endpoint_names}")
        return keras.Model(self.inputs, {n: self._endpoint_tensors[n] for n in names}, name=f"{self.name}_features")

    def get_config(self):
        # Subclasses return their constructor arguments; the base only carries the name.
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
