"""Check a preset's PyTorch conversion end to end against its reference model.

For each preset: the torch reference interpreter builds the public model with random weights and
randomized BN statistics (eval mode), saves its state dict as a real `.pth` and its logits for a
random clip; we convert that `.pth` (with the built-in reader, as the runtime has no torch), run
the same clip through the Keras model and compare.
"""

import dataclasses

import numpy as np

from keras_video.testing.torch_reference import ReferenceJob, run_reference_jobs


@dataclasses.dataclass
class ConversionCheck:
    preset: str
    clip_shape: tuple
    max_abs_diff: float
    torch_float32_noise: float  # max |torch float32 - torch float64| logits: the reference's own rounding
    torch_argmax: list
    keras_argmax: list
    mapped: int
    state_dict_size: int
    report: object  # ConversionReport
    torch_logits: np.ndarray
    keras_logits: np.ndarray


def reference_job(preset, clip, num_classes, seed=0):
    """The ReferenceJob that builds the public PyTorch twin of `preset` for this clip."""
    from keras_video.convert import get_mapping

    reference = get_mapping(preset).reference
    kwargs = dict(reference.kwargs)
    kwargs[reference.num_classes_kwarg] = num_classes
    return ReferenceJob(reference.builder, kwargs, seed=seed, clip=clip, head_pool_module=reference.head_pool_module,
                        head_pool_window=reference.head_pool_window, identity_modules=reference.identity_modules,
                        float64_logits=True)


def random_clip(shape, seed=0):
    """A (1, T, H, W, 3) float32 clip of standard normal values."""
    return np.random.default_rng(seed).standard_normal((1, *shape, 3)).astype(np.float32)


def check_conversions(clip_shapes, work_dir, num_classes=7, seed=0):
    """ConversionCheck per preset; clip_shapes maps preset -> (T, H, W). One torch process for all."""
    from keras_video.convert import convert

    presets = list(clip_shapes)
    clips = {p: random_clip(clip_shapes[p], seed) for p in presets}
    results = run_reference_jobs([reference_job(p, clips[p], num_classes, seed) for p in presets], work_dir)
    checks = {}
    for preset, result in zip(presets, results):
        model, report = convert(result.state_dict_path, preset, use_torch=False)
        keras_logits = np.asarray(model(clips[preset], training=False), dtype=np.float32)
        checks[preset] = ConversionCheck(
            preset=preset, clip_shape=tuple(clip_shapes[preset]),
            max_abs_diff=float(np.max(np.abs(keras_logits - result.logits))),
            torch_float32_noise=float(np.max(np.abs(result.logits - result.float64_logits))),
            torch_argmax=result.logits.argmax(-1).tolist(), keras_argmax=keras_logits.argmax(-1).tolist(),
            mapped=report.mapped_count, state_dict_size=result.info["state_dict_size"], report=report,
            torch_logits=result.logits, keras_logits=keras_logits)
    return checks
