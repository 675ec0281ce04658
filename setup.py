"""keras-video: Keras 3 video action recognition and detection, with a TFX pipeline."""

import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
about = {}
with open(os.path.join(HERE, "keras_video", "version.py")) as handle:
    exec(handle.read(), about)

setup(
    name="keras-video",
    version=about["__version__"],
    description="Keras 3 models, video input and a TFX pipeline for video action recognition and detection",
    long_description=open(os.path.join(HERE, "README.md")).read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["keras_video", "keras_video.*", "components", "components.*", "pipeline", "pipeline.*"]),
    package_data={"": ["*.pbtxt"]},
    include_package_data=True,
    install_requires=[
        "keras>=3.15",
        "tensorflow>=2.21,<2.22",
        "numpy",
        "scipy",
        "av>=14",
        "tqdm",
        "matplotlib",
    ],
    extras_require={
        "tfx": ["tfx==1.21.0", "tensorflow-model-analysis>=0.52,<0.53", "kfp-pipeline-spec"],
        "dev": ["pytest", "pytest-timeout", "pytest-xdist", "nbclient", "nbformat", "ipykernel"],
        # torch's CPU wheel must come from where the user's platform provides it; see README.
        "convert": ["torch>=2.1"],
    },
    entry_points={"console_scripts": ["keras-video=keras_video.cli.main:main"]},
)
