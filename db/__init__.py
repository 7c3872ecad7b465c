"""Tianbao's core: models, storage, catalogue and rules. Never imports Qt."""
