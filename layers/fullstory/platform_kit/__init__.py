"""What every function stands on: settings, secrets, AWS clients, the Fullstory client, logs and metrics.

One module per job, imported by name (``platform_kit.settings``, ``.secrets``, ``.aws``,
``.fullstory``, ``.observability``): this file imports none of them, so a function loads only
what it uses (the discovery function reads settings and nothing else). Nothing here knows the
Opal protocol; the Opal kit and the tools build on it.
"""
