"""Small helpers for building SQL text safely."""


def sql_string(value: str) -> str:
    """A SQL string literal for value. Only for paths and names tikdb controls or was
    given on the command line (COPY and ATTACH take no parameters); data never goes
    through here, it is passed as parameters or Arrow tables."""
    if "\x00" in value:
        raise ValueError("a SQL string cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"
