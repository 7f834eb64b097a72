import pytest


@pytest.fixture
def client(client, conn):
    """The API as a signed-in district admin: uploads into the district's layers are theirs."""
    from tests.helpers import make_user

    client.headers.update(make_user(conn, "t_gisio_admin", "district_admin"))
    return client
