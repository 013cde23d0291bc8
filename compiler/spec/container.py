"""Where things are inside a model server's container, shared by the Deployment emitter and the rules."""

MODEL_DIR = "/models"
"""The model volume's mount path, also passed to the server as $MODEL_DIR."""
