"""The tools: each one's contract (parameters, description, group, needs) and its logic, side by side.

``tools.registry`` lists them all; ``tools.runtime`` serves one as a Lambda function. Import the
submodules directly: a tool's function should pay only for its own.
"""
