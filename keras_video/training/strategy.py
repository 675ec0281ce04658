"""Resolve a distribution strategy by name: default, mirrored, multiworker, tpu."""

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker", "tpu")


class StrategyError(RuntimeError):
    """The requested strategy cannot run here (e.g. no TPU reachable)."""


def configure_cpu_devices(count):
    """Split the first physical CPU into `count` logical devices (before TF initializes).

    This lets MirroredStrategy run with several replicas on a CPU-only machine, which is how we
    test distributed training without accelerators.
    """
    cpus = tf.config.list_physical_devices("CPU")
    existing = tf.config.get_logical_device_configuration(cpus[0])
    if existing and len(existing) == count:
        return
    tf.config.set_logical_device_configuration(
        cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )


def resolve_strategy(name="default", *, devices=None, tpu_address=None):
    """A `tf.distribute.Strategy` for `name`.

    - "default": the default (no-op) strategy on the first device.
    - "mirrored": synchronous data parallelism over `devices` (default: every GPU, or every
      logical CPU when no GPU is present).
    - "multiworker": MultiWorkerMirroredStrategy configured from the TF_CONFIG environment.
    - "tpu": TPUStrategy via TPUClusterResolver(`tpu_address`); raises StrategyError when no TPU
      can be reached.
    Build the model, optimizer and metrics inside `strategy.scope()`; the batch size of the
    dataset is the global batch, split evenly across `strategy.num_replicas_in_sync` replicas.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        cross_device_ops = None
        if not any("GPU" in d.upper() for d in devices):
            # NCCL all-reduce needs GPUs; CPU replicas reduce through host memory.
            cross_device_ops = tf.distribute.ReductionToOneDevice()
        return tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross_device_ops)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        return _tpu_strategy(tpu_address)
    raise ValueError(f"unknown strategy {name!r}; choose one of {STRATEGIES}")


TPU_ENVIRONMENT = ("TPU_NAME", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS", "TPU_WORKER_HOSTNAMES")


def _tpu_strategy(tpu_address):
    import os

    if not tpu_address and not any(os.environ.get(name) for name in TPU_ENVIRONMENT):
        # Without an address the resolver would probe the GCE metadata server, which on other
        # machines only times out after minutes.
        raise StrategyError(f"no TPU reachable: give its name or grpc:// address (--tpu) or set one of {', '.join(TPU_ENVIRONMENT)}")
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        where = f"at {tpu_address!r}" if tpu_address else "(no --tpu address given, none found in the environment)"
        raise StrategyError(f"no TPU reachable {where}: {str(error).splitlines()[0] if str(error) else type(error).__name__}") from error
    return tf.distribute.TPUStrategy(resolver)


def use_sync_batch_norm(model):
    """Make every BatchNormalization layer of `model` reduce its statistics over all replicas.

    Without this each replica normalizes with its local batch (the default, as in the papers'
    multi-GPU training). Returns the number of layers switched.
    """
    import keras

    count = 0
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True
            count += 1
    return count


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
