"""The model runtime seam: the only package that imports torch or transformers (lazily, per module)."""
