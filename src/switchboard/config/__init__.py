"""The tenant configuration: the YAML model, its loader and the password hashes.

`load_tenant(path)` gives a validated `Tenant` or raises `ConfigError`, whose
`problems` each say `FILE:LINE: PATH: MESSAGE`.
"""

from switchboard.config.errors import ConfigError, ConfigProblem
from switchboard.config.loader import load_tenant
from switchboard.config.model import Tenant

__all__ = ["ConfigError", "ConfigProblem", "Tenant", "load_tenant"]
