"""Where things are inside a model server's container."""

MODEL_DIR = "/models"
"""The model volume's mount path (read-only), also passed to the server as $MODEL_DIR."""

CACHE_DIR = "/cache"
"""Mount path of the writable cache volume of a runtime preset."""
