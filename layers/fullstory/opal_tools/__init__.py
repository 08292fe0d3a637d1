"""The Opal tools protocol kit: specs, discovery, the Lambda adapter, auth and problem bodies.

Import the submodules directly (``opal_tools.adapter``): discovery should not pay for the
adapter's imports.
"""
