"""GET /discovery: the Opal tool manifest; GET /openapi.json: the same tools as OpenAPI (public, no auth)."""

from opal_tools.discovery import discovery_handler
from tools.registry import INSTRUCTIONS, TOOLS

lambda_handler = discovery_handler(TOOLS, instructions=INSTRUCTIONS, title="Fullstory tools for Opal", version="1.0.0")
