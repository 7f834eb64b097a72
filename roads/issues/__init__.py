"""The issue ledger (问题台账): intake, snapping, case workflow, density, Open311, imports."""
