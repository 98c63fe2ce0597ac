"""Progress of long runs."""
