"""Segment exports beyond a single call: the export workflow's tasks, its poll policy, delivery to
S3, Opal callbacks, and the Step Functions executions the async tools start and read.

Import the submodules directly; only what a function uses is loaded on its cold path.
"""
