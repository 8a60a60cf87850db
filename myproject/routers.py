from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """Every route answers with or without its trailing slash; ids in paths are integers."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
        self._default_value_pattern = "[0-9]+"
