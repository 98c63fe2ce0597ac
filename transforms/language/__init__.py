"""Language identification stage."""
