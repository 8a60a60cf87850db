from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    """Every route answers with or without its trailing slash; ids in paths are integers.

    Ids have at most 18 digits, so that every id in a path fits a 64-bit id column and a
    larger number is simply not found instead of overflowing the database driver.
    """

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
        self._default_value_pattern = "[0-9]{1,18}"
