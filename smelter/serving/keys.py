"""The endpoint's key: where it comes from and how a request proves it holds it.

The key is configuration, never code: ``SMELTER_SERVING__API_KEY`` in the
environment, or a secrets file (``api_key_file``) that must live outside the
repository. With neither, scoring is open.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from smelter.settings import PROJECT_ROOT, ServingSettings


def resolve_api_key(serving: ServingSettings, repo_root: Path = PROJECT_ROOT) -> str | None:
    """The configured key: ``api_key`` wins, else the stripped contents of ``api_key_file``, else None."""
    if serving.api_key is not None:
        key = serving.api_key.get_secret_value().strip()
        source = "SMELTER_SERVING__API_KEY"
    elif serving.api_key_file is not None:
        path = Path(serving.api_key_file).expanduser().resolve()
        if path.is_relative_to(repo_root.resolve()):
            raise ValueError(f"key file {path} is inside the repository {repo_root}; keep secrets outside it")
        if not path.is_file():
            raise FileNotFoundError(f"key file not found: {path}")
        key, source = path.read_text(encoding="utf-8").strip(), str(path)
    else:
        return None
    if not key:
        raise ValueError(f"the endpoint key from {source} is empty")
    return key


def bearer_ok(authorization: str | None, key: str | None) -> bool:
    """True if no key is configured, or the ``Authorization`` header is ``Bearer <key>``."""
    if key is None:
        return True
    if not authorization:
        return False
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.encode())
