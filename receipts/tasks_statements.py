"""Celery tasks for statements (imported by receipts.tasks so the worker registers them)."""
