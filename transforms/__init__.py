"""newsetl stages: each sub-package holds a pure ``core`` module and its Beam composite."""
