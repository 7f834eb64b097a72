"""The issue ledger (问题台账): intake, snapping, the case workflow, density, Open311 and imports."""
