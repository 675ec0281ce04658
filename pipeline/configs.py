"""Every pipeline setting in one place, overridable from the environment (KERAS_VIDEO_<NAME>) or the CLI.

`PipelineConfig.from_env(**overrides)` reads defaults, then environment variables, then the keyword
overrides (what `keras-video demo` passes from its flags), and validates the result.
"""

import dataclasses
import json
import os
from typing import Optional

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_PREFIX = "KERAS_VIDEO_"
# The DirectRunner in multi-processing mode, one worker per core (0 = as many as cores). Any other
# runner's flags (Dataflow, Flink, Spark) replace these unchanged.
DEFAULT_BEAM_PIPELINE_ARGS = ("--direct_running_mode=multi_processing", "--direct_num_workers=0")


@dataclasses.dataclass
class PipelineConfig:
    pipeline_name: str = "keras-video"
    # Where artifacts, MLMD and the serving model live (local runs); KFP uses its own root.
    output_dir: str = os.path.join(REPO_ROOT, "runs")
    pipeline_root: Optional[str] = None  # default: <output_dir>/pipeline_root/<pipeline_name>
    metadata_path: Optional[str] = None  # default: <output_dir>/metadata/<pipeline_name>.sqlite
    serving_dir: Optional[str] = None  # default: <output_dir>/serving/<pipeline_name>

    # Data (VideoExampleGen).
    data_root: str = os.path.join(REPO_ROOT, "runs", "data", "motion")
    dataset_kind: str = "ucf101"
    annotations: Optional[str] = None  # split lists; None: the adapter looks under data_root
    split: int = 1
    fps: Optional[float] = None  # None: store every frame
    short_side: int = 32  # the demo's videos are 32 px; 128-256 for real datasets
    max_dead_letter_fraction: float = 0.05
    schema_path: str = os.path.join(REPO_ROOT, "schemas", "video_example.pbtxt")

    # Model and training (Trainer).
    module_file: str = os.path.join(REPO_ROOT, "pipeline", "modules", "trainer.py")
    preset: str = "r2plus1d_18"
    # A narrow, one-block-per-stage R(2+1)D: trains in minutes on 2 CPU cores (the demo's budget).
    # With the settings below it is the recipe of tests/test_training_acceptance.py.
    model_overrides: dict = dataclasses.field(
        default_factory=lambda: {
            "stage_depths": [1, 1, 1, 1],
            "stage_filters": [16, 32, 64, 128],
            "stem_filters": 16,
            "stem_mid_filters": 12,
        }
    )
    num_frames: int = 8
    frame_stride: int = 2
    crop_size: int = 32
    short_side_range: tuple = (32, 37)
    flip: bool = True  # random horizontal flips; False when a flip changes the label (left/right)
    batch_size: int = 8
    epochs: int = 16  # the demo leaves chance after 4-6 epochs and passes 95% at 9-12 (measured)
    learning_rate: float = 0.02
    warmup_epochs: float = 1.0
    dropout: float = 0.2  # before the classifier; 0.5 stalled this small model for epochs
    train_steps: int = 0  # 0: derived from the number of training examples, epochs and batch size
    eval_steps: int = 0
    max_eval_clips: int = 3  # serving averages up to this many clips per video (fewer for short videos)
    base_model_uri: Optional[str] = None  # finetune from this Model artifact (pretrain -> finetune)
    allow_partial_transfer: bool = False
    seed: int = 0

    # Evaluation (Evaluator).
    min_top1_accuracy: float = 0.6
    max_top1_drop: float = 0.0

    # Execution.
    beam_pipeline_args: tuple = DEFAULT_BEAM_PIPELINE_ARGS
    enable_cache: bool = False
    kubeflow_image: str = "gcr.io/my-project/keras-video-pipeline:latest"
    kubeflow_output_dir: Optional[str] = None

    def __post_init__(self):
        self.pipeline_root = self.pipeline_root or os.path.join(self.output_dir, "pipeline_root", self.pipeline_name)
        self.metadata_path = self.metadata_path or os.path.join(self.output_dir, "metadata", f"{self.pipeline_name}.sqlite")
        self.serving_dir = self.serving_dir or os.path.join(self.output_dir, "serving", self.pipeline_name)
        self.kubeflow_output_dir = self.kubeflow_output_dir or os.path.join(self.output_dir, "kubeflow")
        self.validate()

    def validate(self):
        if not 0.0 <= self.min_top1_accuracy <= 1.0:
            raise ValueError(f"min_top1_accuracy={self.min_top1_accuracy} must be in [0, 1]")
        if self.max_top1_drop < 0:
            raise ValueError(f"max_top1_drop={self.max_top1_drop} must be >= 0")
        for name in ("num_frames", "crop_size", "batch_size", "epochs", "max_eval_clips"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be >= 1")

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Defaults < KERAS_VIDEO_<FIELD> environment variables < keyword overrides (None = not given)."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is not None:
                values[field.name] = _parse(field, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown pipeline settings: {sorted(unknown)}")
        return cls(**values)

    def trainer_custom_config(self, num_train_examples=None):
        """What pipeline/modules/trainer.py reads from fn_args.custom_config (JSON-safe)."""
        return {
            "preset": self.preset,
            "model_overrides": dict(self.model_overrides),
            "num_frames": self.num_frames,
            "frame_stride": self.frame_stride,
            "crop_size": self.crop_size,
            "short_side_range": list(self.short_side_range),
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "warmup_epochs": self.warmup_epochs,
            "dropout": self.dropout,
            "flip": self.flip,
            "max_eval_clips": self.max_eval_clips,
            "allow_partial_transfer": self.allow_partial_transfer,
            "seed": self.seed,
        }


def _parse(field, raw):
    """Environment strings to the field's type: JSON for structured values, else the scalar type."""
    name = field.name
    try:
        if name in ("beam_pipeline_args",):
            return tuple(raw.split()) if not raw.strip().startswith("[") else tuple(json.loads(raw))
        if name in ("model_overrides",):
            return json.loads(raw)
        if name == "short_side_range":
            return tuple(int(part) for part in raw.replace(",", " ").split())
        if name in ("enable_cache", "allow_partial_transfer", "flip"):
            return raw.strip().lower() in ("1", "true", "yes")
        if name in ("fps",):
            return float(raw) if raw else None
        default = field.default
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        return raw
    except ValueError as error:
        raise ValueError(f"environment variable {ENV_PREFIX}{name.upper()}={raw!r}: {error}") from None
