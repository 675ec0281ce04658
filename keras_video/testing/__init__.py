"""Test helpers: the bridge to the optional torch reference interpreter (torch_reference)."""
