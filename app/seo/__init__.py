"""Being found: structured data (JSON-LD), sitemaps, robots.txt and Atom feeds."""
from flask import Blueprint

bp = Blueprint("seo", __name__)


def init_app(app):
    """Sitemaps, robots.txt and feeds; JSON-LD for thread pages; the XML-safe filter for feed templates."""
    from app.seo import routes
    from app.seo.jsonld import question_jsonld

    app.register_blueprint(bp)
    app.jinja_env.globals.update(question_jsonld=question_jsonld)
    app.jinja_env.filters.update(xmlsafe=routes.xmlsafe)
