"""The TFMA EvalConfig of the pipeline (TFMA 0.52: protos from tensorflow_model_analysis.proto.config_pb2).

Top-1/top-5 accuracy are the sparse categorical Keras metrics as TFMA wraps them (from tf_keras;
TFMA's own Precision/Recall with top_k gave wrong top-k values here). Per-class recall of the top-1
decision is top-1 accuracy on the `clip/label/index` slices (one label per video).
"""

import json

from tensorflow_model_analysis.proto import config_pb2

LABEL_KEY = "clip/label/index"
PREDICTION_KEY = "probabilities"
DATASET_SLICE_KEY = "clip/dataset"
# Emitted by the exported model's `slicing_features` signature (see keras_video export): how many
# clips the serving signature averaged for that video, which depends on the video's length.
NUM_CLIPS_SLICE_KEY = "num_clips"
CLASS_SLICE_KEY = LABEL_KEY
SLICING_FEATURES_SIGNATURE = "slicing_features"
TOP1 = "top_1_accuracy"
TOP5 = "top_5_accuracy"
# TFMA wraps Keras 2 metrics (tf_keras, installed with TFX); Keras 3 metric objects are not supported by it.
KERAS_METRICS_MODULE = "tf_keras.metrics"


def build_eval_config(num_classes, min_top1_accuracy=0.6, max_top1_drop=0.0, slice_by_num_clips=True):
    """EvalConfig: top-1/top-5 accuracy and example count on the overall, dataset, num_clips and class
    (= per-class recall) slices; a value threshold and a change threshold on overall top-1 accuracy.

    `max_top1_drop`: how much lower than the last blessed model's top-1 the candidate may be and still
    be blessed (0: it must be at least as good).
    """
    top1_threshold = config_pb2.MetricThreshold(
        value_threshold=config_pb2.GenericValueThreshold(lower_bound={"value": float(min_top1_accuracy)}),
        change_threshold=config_pb2.GenericChangeThreshold(
            direction=config_pb2.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -float(max_top1_drop) - 1e-10},
        ),
    )
    overall = config_pb2.MetricsSpec(
        metrics=[
            config_pb2.MetricConfig(class_name="ExampleCount"),
            config_pb2.MetricConfig(
                class_name="SparseCategoricalAccuracy",
                module=KERAS_METRICS_MODULE,
                config=json.dumps({"name": TOP1}),
                # Blessing looks at the overall slice; per-slice values are reported, not gated.
                per_slice_thresholds=[
                    config_pb2.PerSliceMetricThreshold(slicing_specs=[config_pb2.SlicingSpec()], threshold=top1_threshold)
                ],
            ),
            config_pb2.MetricConfig(
                class_name="SparseTopKCategoricalAccuracy",
                module=KERAS_METRICS_MODULE,
                config=json.dumps({"name": TOP5, "k": min(5, num_classes)}),
            ),
        ],
    )
    metrics_specs = [overall]
    model_spec = config_pb2.ModelSpec(
        signature_name="serving_default",
        label_key=LABEL_KEY,
        prediction_key=PREDICTION_KEY,
    )
    slicing_specs = [
        config_pb2.SlicingSpec(),
        config_pb2.SlicingSpec(feature_keys=[DATASET_SLICE_KEY]),
        config_pb2.SlicingSpec(feature_keys=[CLASS_SLICE_KEY]),
    ]
    if slice_by_num_clips:
        model_spec.preprocessing_function_names.append(SLICING_FEATURES_SIGNATURE)
        slicing_specs.append(config_pb2.SlicingSpec(feature_keys=[NUM_CLIPS_SLICE_KEY]))
    return config_pb2.EvalConfig(
        model_specs=[model_spec],
        metrics_specs=metrics_specs,
        slicing_specs=slicing_specs,
    )
