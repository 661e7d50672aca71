"""The web shell (layer 5): ``app`` (the FastAPI factory, ``assistant.web.app:create_app``),
``shell`` (templates, CSRF, login dependencies), ``forms`` (how a post ends), ``access`` (who may
use each route), ``middleware`` and the routers in ``routes/``."""
