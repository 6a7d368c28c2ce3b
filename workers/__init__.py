"""Everything between a queued chunk and stored resumes: Celery app, pipeline, writers, renderers."""
