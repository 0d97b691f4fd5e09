"""Flask's signed-cookie session, without rebuilding its signing serializer on every request.

Flask builds a new URLSafeTimedSerializer (keys, salt, signer, a serializer probe) each time it
opens or saves a session, i.e. on every request, even one that carries no session cookie. The
serializer holds no per-request state, so one per set of keys serves them all; a change of
SECRET_KEY or SECRET_KEY_FALLBACKS gives a new one. Signing, expiry and cookie flags are Flask's own.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) > 8:  # keys only change when an operator rotates them
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer
