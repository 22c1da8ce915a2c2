"""Switchboard: an open-source contact-center voice platform."""

__version__ = "0.1.0"
