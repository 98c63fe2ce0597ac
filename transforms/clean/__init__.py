"""Clean stage: text repair, boilerplate rules and paragraph split."""
