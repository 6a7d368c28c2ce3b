"""Fine-tuning on approved resumes: the pairs file, its examples, and the worker-side entry point."""
