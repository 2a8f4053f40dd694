"""Loaders for the shared datasets the tests read (../shared/data beside the checkout)."""
