"""Running through faults."""
