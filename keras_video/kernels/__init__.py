"""Backend-specific fused kernels behind backend-agnostic functions.

Layers call these and fall back to keras.ops where a backend has no such kernel, so model code
stays backend-agnostic while each backend runs at its own speed.
"""
