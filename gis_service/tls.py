"""HTTPS for `roadchief serve`: the certificate and key from ROADCHIEF_TLS_CERT/ROADCHIEF_TLS_KEY,
checked before uvicorn starts so that a wrong path is a clear message, not a traceback."""

import ssl
from pathlib import Path

from gis_service.settings import Settings
from roads.errors import InvalidInput


def readable(path: Path, variable: str) -> str:
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except FileNotFoundError as exc:
        raise InvalidInput(f"{variable}: {path} does not exist", f"{variable}：文件 {path} 不存在") from exc
    except OSError as exc:  # a folder, no permission
        raise InvalidInput(f"{variable}: {path} cannot be read ({exc.strerror})",
                           f"{variable}：无法读取文件 {path}（{exc.strerror}）") from exc
    return str(path)


def tls_options(settings: Settings) -> dict:
    """uvicorn's ssl_certfile/ssl_keyfile, or {} for plain HTTP when neither is set."""
    cert, key = settings.tls_cert, settings.tls_key
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise InvalidInput("set both ROADCHIEF_TLS_CERT and ROADCHIEF_TLS_KEY, or neither",
                           "ROADCHIEF_TLS_CERT 与 ROADCHIEF_TLS_KEY 须同时设置，或都不设置")
    options = {"ssl_certfile": readable(cert, "ROADCHIEF_TLS_CERT"),
               "ssl_keyfile": readable(key, "ROADCHIEF_TLS_KEY")}
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise InvalidInput(f"the TLS certificate and key do not load together: {exc.reason or exc}",
                           "TLS 证书与私钥无法配对加载：请检查两者是否为 PEM 格式且属于同一证书") from exc
    return options
