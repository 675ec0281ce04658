# Container image for the Kubeflow Pipelines (V2 / Vertex AI) run of the keras-video TFX pipeline.
#
# Written, not built here (no Docker engine on the development machines). Build and push with
#   docker build -t gcr.io/MY_PROJECT/keras-video-pipeline:latest .
#   docker push gcr.io/MY_PROJECT/keras-video-pipeline:latest
# then compile the pipeline with that image name:
#   KERAS_VIDEO_KUBEFLOW_IMAGE=gcr.io/MY_PROJECT/keras-video-pipeline:latest \
#   KERAS_VIDEO_PIPELINE_ROOT=gs://MY_BUCKET/pipeline_root KERAS_VIDEO_DATA_ROOT=gs://MY_BUCKET/ucf101 \
#   python pipeline/kubeflow_v2_runner.py
#
# The base is the TFX release the runtime pins (requirements.lock: tfx==1.21.0); its entrypoint is
# the KFP V2 executor launcher that the compiled pipeline's container specs call.
FROM tensorflow/tfx:1.21.0

WORKDIR /pipeline
# Versions of everything TFX does not already bring come from the lock, as in the local runtime.
COPY requirements.lock /pipeline/requirements.lock
RUN python -m pip install --no-cache-dir \
        "av==$(grep -i '^av==' requirements.lock | cut -d= -f3)" \
        "kfp-pipeline-spec==$(grep -i '^kfp-pipeline-spec==' requirements.lock | cut -d= -f3)" \
        "scipy==$(grep -i '^scipy==' requirements.lock | cut -d= -f3)" \
        "tqdm==$(grep -i '^tqdm==' requirements.lock | cut -d= -f3)" \
        "matplotlib==$(grep -i '^matplotlib==' requirements.lock | cut -d= -f3)"

# The package: keras_video (models, data, training), components (VideoExampleGen), pipeline
# (the Trainer's run_fn is named as pipeline.modules.trainer.run_fn), and the curated schema.
COPY setup.py README.md /pipeline/
COPY keras_video /pipeline/keras_video
COPY components /pipeline/components
COPY pipeline /pipeline/pipeline
COPY schemas /pipeline/schemas
RUN python -m pip install --no-cache-dir --no-deps -e /pipeline

ENV KERAS_BACKEND=tensorflow \
    KERAS_VIDEO_SCHEMA_PATH=/pipeline/schemas/video_example.pbtxt \
    KERAS_VIDEO_MODULE_FILE=/pipeline/pipeline/modules/trainer.py
