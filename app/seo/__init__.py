"""The public web side: structured data, sitemaps, robots.txt, Atom feeds, answer helpfulness and HTTP caching."""
from flask import Blueprint

bp = Blueprint("seo", __name__)

from app.seo import helpful, routes  # noqa: E402,F401  (routes attach themselves to bp)
