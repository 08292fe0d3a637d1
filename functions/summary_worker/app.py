"""The Lambda handler of the summary worker (invoked asynchronously by the AI tools; no route)."""

from tools.summary_worker import lambda_handler

__all__ = ["lambda_handler"]
