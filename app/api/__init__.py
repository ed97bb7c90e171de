"""JSON API v1: the same rules as the web pages, for a brand's integrations."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import openapi, routes  # noqa: E402,F401  (routes attach themselves to bp)
