"""Flask extensions, created unbound and initialised in create_app()."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from eventapp.core.db import Base

db = SQLAlchemy(model_class=Base)
# The base class of every model. Type checkers cannot use an attribute such as `db.Model` as a base
# class (python/mypy#8603), so they are shown Base, which db.Model extends with Flask-SQLAlchemy's mixins.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
login = LoginManager()
limiter = Limiter(key_func=get_remote_address)
