"""Hooks into other apps' signals; kept in one module that apps.ready imports."""
