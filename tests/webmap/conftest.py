import pytest

from tests.webmap.helpers import role_headers


@pytest.fixture
def headers(conn):
    return role_headers(conn)
