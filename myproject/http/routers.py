from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """Every route answers with or without its trailing slash. Ids in paths are matched by
    each viewset's `lookup_value_regex` (ID_PATH_PATTERN for the project's own)."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
