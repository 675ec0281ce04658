"""Evaluation: clip- and video-level classification metrics, confusion matrices, detection mAP."""
