"""Contracts that the producer and the workers share: settings, errors, models, tasks, database."""
