"""gterm: a terminal file manager for Globus."""

__version__ = "0.1.0"
