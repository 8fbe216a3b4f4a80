"""Reusable UI pieces: top bar, banner, metric card, connection indicator."""
