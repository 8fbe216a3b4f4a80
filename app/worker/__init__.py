"""The task worker: claims pending tasks and runs them through a pluggable runner."""
