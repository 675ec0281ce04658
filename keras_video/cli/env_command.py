"""`keras-video env`: versions of everything the runtime pins, and the devices TF sees."""

import importlib
import platform


# (label, module, attribute holding the version)
COMPONENTS = [
    ("TensorFlow", "tensorflow", "__version__"),
    ("Keras", "keras", "__version__"),
    ("TFX", "tfx", "__version__"),
    ("TFMA", "tensorflow_model_analysis", "__version__"),
    ("TFDV", "tensorflow_data_validation", "__version__"),
    ("Apache Beam", "apache_beam", "__version__"),
    ("PyAV", "av", "__version__"),
]


def component_versions():
    """(label, version or 'not installed: reason') for Python and every pinned component."""
    rows = [("Python", platform.python_version())]
    for label, module, attribute in COMPONENTS:
        try:
            rows.append((label, str(getattr(importlib.import_module(module), attribute))))
        except Exception as error:  # report, never crash: this command is for diagnosing setups
            rows.append((label, f"not available ({type(error).__name__}: {error})"))
    return rows


def device_rows():
    import keras
    import tensorflow as tf

    rows = [("Keras backend", keras.backend.backend())]
    devices = tf.config.list_physical_devices()
    rows.append(("TF devices", ", ".join(f"{d.device_type}:{d.name.split(':')[-1]}" for d in devices)))
    return rows


def run(args):
    rows = component_versions() + device_rows()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("env", help="print versions of the runtime's components and TF's devices")
    parser.set_defaults(handler=run)
