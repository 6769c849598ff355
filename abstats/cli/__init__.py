"""The ``abstats`` command line."""
