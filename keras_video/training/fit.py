"""`train(config)`: the whole training recipe behind `keras-video train/finetune` and the TFX
Trainer's `run_fn` — strategy, mixed precision, SGD + schedule, label smoothing, finetuning,
fault tolerance and TensorBoard around one plain `model.fit`."""

import dataclasses
import json
import math
import pathlib

import keras

from keras_video.training import callbacks as cb
from keras_video.training.finetune import (
    freeze_backbone, load_source_weights, set_backbone_lr_multiplier, transfer_weights,
)
from keras_video.training.losses import SparseSmoothedCrossEntropy
from keras_video.training.optimizers import make_sgd
from keras_video.training.schedules import make_schedule
from keras_video.training.strategy import resolve_strategy, use_sync_batch_norm

MIXED_PRECISION = (None, "mixed_float16", "mixed_bfloat16")


@dataclasses.dataclass
class TrainConfig:
    # model
    preset: str = "r2plus1d_18"
    num_classes: int = 101
    dropout: float = None  # None keeps the preset's dropout before the classifier
    model_overrides: dict = dataclasses.field(default_factory=dict)
    # data (keras_video.data.input.make_dataset); ignored when datasets are passed to train()
    train_data: str = None  # TFRecord file pattern
    val_data: str = None
    num_frames: int = 8
    frame_stride: int = 1
    crop_size: int = 112
    short_side_range: tuple = None
    batch_size: int = 8  # global batch, split across replicas
    flip: bool = True  # random horizontal flips; False for direction-sensitive classes (left/right)
    shuffle_buffer: int = None  # records in the shuffle buffer (None: the data layer's default)
    class_names: list = None
    # optimization
    epochs: int = 10
    steps_per_epoch: int = None  # None: one pass over the (finite) training data
    validation_steps: int = None
    learning_rate: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 1e-4
    schedule: str = "cosine"  # cosine | step | constant
    warmup_epochs: float = 0.0
    step_epochs: list = None  # epochs at which the step schedule divides the rate
    step_factor: float = 0.1
    label_smoothing: float = 0.0
    mixed_precision: str = None
    # distribution
    strategy: str = "default"
    tpu: str = None
    sync_bn: bool = False
    seed: int = 0
    # outputs
    model_dir: str = "runs/train"
    log_dir: str = None  # TensorBoard; None: model_dir/logs
    image_clips: int = 4  # input clips written to TensorBoard
    confusion_every: int = 1  # epochs between confusion-matrix images (0: never)
    verbose: int = 1
    # finetuning
    init_from: str = None  # .keras / .weights.h5 / SavedModel to take the backbone from
    source_preset: str = None  # only for .weights.h5 sources
    source_num_classes: int = None
    allow_partial: bool = False
    freeze: str = "none"  # none | all | stage
    freeze_up_to: str = None  # endpoint name for freeze="stage"
    backbone_lr_multiplier: float = 1.0

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1, default=str)


@dataclasses.dataclass
class TrainResult:
    model: keras.Model
    history: keras.callbacks.History
    model_dir: pathlib.Path
    last_checkpoint: pathlib.Path
    best_checkpoint: pathlib.Path  # None without validation data
    log_dir: pathlib.Path
    transfer_report: object = None  # finetune.TransferReport when init_from was given


def build_model(config):
    from keras_video.models.registry import create_model

    overrides = dict(config.model_overrides)
    if config.dropout is not None:
        overrides["dropout"] = config.dropout
    return create_model(config.preset, num_classes=config.num_classes, **overrides)


def make_datasets(config):
    """(train, validation or None) from the TFRecord patterns of `config`."""
    from keras_video.data.input import make_dataset

    if not config.train_data:
        raise ValueError("config.train_data (a TFRecord file pattern) is required when no dataset is given")
    # Default scale jitter: short side in [crop, 1.25 crop] (224 from 256-320 in the papers' ratio
    # would over-zoom small synthetic videos); evaluation resizes the short side to the low end.
    short_side_range = tuple(config.short_side_range or (config.crop_size, int(round(config.crop_size * 1.25))))
    common = dict(num_frames=config.num_frames, frame_stride=config.frame_stride, crop_size=config.crop_size,
                  short_side_range=short_side_range, flip=config.flip)
    shuffle = {"shuffle_buffer": config.shuffle_buffer} if config.shuffle_buffer else {}
    train = make_dataset(config.train_data, training=True, batch_size=config.batch_size, seed=config.seed,
                         **shuffle, **common)
    val = None
    if config.val_data:
        val = make_dataset(config.val_data, training=False, batch_size=config.batch_size, **common)
    return train, val


def _steps_per_epoch(config, dataset):
    if config.steps_per_epoch:
        return int(config.steps_per_epoch)
    import tensorflow as tf

    cardinality = int(dataset.cardinality())
    if cardinality in (tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY):
        # Count once: the finite training split is small next to the training itself.
        cardinality = sum(1 for _ in dataset)
    if cardinality <= 0:
        raise ValueError("the training dataset is empty")
    return cardinality


def _resumed_epoch(backup_dir):
    metadata = pathlib.Path(backup_dir) / "training_metadata.json"
    if not metadata.exists():
        return 0
    return int(json.loads(metadata.read_text())["epoch"])


def train(config, *, train_dataset=None, val_dataset=None, model_fn=None, extra_callbacks=()):
    """Train (or finetune) a model as described by `config`; returns a TrainResult.

    `train_dataset`/`val_dataset` (tf.data of (clips, int labels), batched with the global batch)
    replace the TFRecord inputs; `model_fn()` replaces the preset (it is called inside the
    strategy scope). The dataset is repeated and each "epoch" is `steps_per_epoch` steps, so a run
    killed at any point resumes from the last epoch's backup on exactly the batches it would have
    seen (the data pipeline must be deterministic for bit-identical results).
    """
    import tensorflow as tf

    if config.mixed_precision not in MIXED_PRECISION:
        raise ValueError(f"mixed_precision must be one of {MIXED_PRECISION[1:]} or None, got {config.mixed_precision!r}")
    model_dir = pathlib.Path(config.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    log_dir = pathlib.Path(config.log_dir) if config.log_dir else model_dir / "logs"
    (model_dir / "train_config.json").write_text(config.to_json())

    if train_dataset is None:
        train_dataset, val_dataset = make_datasets(config)
    steps_per_epoch = _steps_per_epoch(config, train_dataset)
    total_steps = steps_per_epoch * config.epochs
    start_epoch = _resumed_epoch(model_dir / "backup")
    # Continue the data where the interrupted run stopped: same batches, same order.
    repeated = train_dataset.repeat().skip(start_epoch * steps_per_epoch)

    strategy = resolve_strategy(config.strategy, tpu_address=config.tpu)
    previous_policy = keras.mixed_precision.global_policy()
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy(config.mixed_precision)
    keras.utils.set_random_seed(config.seed)
    try:
        with strategy.scope():
            model = model_fn() if model_fn else build_model(config)
            report = None
            if config.init_from:
                source = load_source_weights(config.init_from, config.source_preset, config.source_num_classes)
                report = transfer_weights(source, model, allow_partial=config.allow_partial)
                if config.verbose:
                    print(report.summary(), flush=True)
            freeze_backbone(model, config.freeze, config.freeze_up_to)
            if config.sync_bn:
                use_sync_batch_norm(model)
            schedule = make_schedule(
                config.schedule, config.learning_rate, total_steps,
                warmup_steps=int(round(config.warmup_epochs * steps_per_epoch)),
                step_boundaries=[int(e * steps_per_epoch) for e in config.step_epochs] if config.step_epochs else None,
                step_factor=config.step_factor,
            )
            optimizer = make_sgd(schedule, config.momentum, config.nesterov, config.weight_decay)
            if config.backbone_lr_multiplier != 1.0:
                set_backbone_lr_multiplier(model, optimizer, config.backbone_lr_multiplier)
            model.compile(
                optimizer=optimizer,
                loss=SparseSmoothedCrossEntropy(config.label_smoothing),
                metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                         keras.metrics.SparseTopKCategoricalAccuracy(k=min(5, config.num_classes), name="top5")],
            )

        callbacks = _callbacks(config, model_dir, log_dir, train_dataset, val_dataset)
        history = model.fit(
            repeated,
            epochs=config.epochs,
            steps_per_epoch=steps_per_epoch,
            validation_data=val_dataset,
            validation_steps=config.validation_steps,
            callbacks=[*callbacks, *extra_callbacks],
            verbose=config.verbose,
        )
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    best = model_dir / "best.keras"
    return TrainResult(model, history, model_dir, model_dir / "last.keras", best if best.exists() else None,
                       log_dir, report)


def _callbacks(config, model_dir, log_dir, train_dataset, val_dataset):
    callbacks = cb.fault_tolerance_callbacks(model_dir, monitor="val_accuracy" if val_dataset is not None else None)
    callbacks.append(cb.ThroughputLogger(config.batch_size))  # before TensorBoard: it adds to the logs
    if config.image_clips:
        clips = next(iter(train_dataset.take(1)))[0]
        callbacks.append(cb.ClipImageLogger(log_dir, keras.ops.convert_to_numpy(clips), max_clips=config.image_clips))
    if val_dataset is not None and config.confusion_every:
        callbacks.append(cb.ConfusionMatrixLogger(log_dir, val_dataset, config.num_classes, config.class_names,
                                                  every=config.confusion_every))
    callbacks.append(keras.callbacks.TensorBoard(str(log_dir)))
    return callbacks
