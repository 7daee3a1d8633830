"""Certificate templates and issued certificates."""
