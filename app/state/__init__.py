"""Reflex state classes, one per concern. They call services and receive the feed's views."""
