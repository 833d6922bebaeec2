class StaffError(Exception):
    """Base for errors an operator must fix in staff accounts and roles."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoleDefinitionError(StaffError):
    """A role names a permission the database does not have (renamed, removed, or not migrated)."""
