"""Inspections of construction sites (施工工地) and resettlement points (群众临时安置点): checklists
as data, inspections with photos, status and overdue lists, demonstration flags, report figures."""
