"""The web console in Japanese (with English): server-rendered pages for every role.

The pages call the engine's use cases and read the read models, like the API beside them.
"""

from subsidy.web.console import mount_console

__all__ = ["mount_console"]
