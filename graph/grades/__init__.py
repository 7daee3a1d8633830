"""Course grades: external activity scores and grade overrides."""
