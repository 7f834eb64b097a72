"""A layer's own query parameters (e.g. the density window): checked, and passed on in URLs."""

from collections import defaultdict
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.datastructures import QueryParams

from layers.registry import LayerDef


def parse_layer_params(conn: Connection, layer: LayerDef, query: QueryParams) -> dict:
    """The layer's SQL parameters from the query string; 422 naming the bad one."""
    values: dict[str, list[str]] = defaultdict(list)
    for name, value in query.multi_items():
        values[name].append(value)
    return layer.parse_params(conn, values)


def with_layer_query(url: str, layer: LayerDef, query: QueryParams) -> str:
    """`url` plus those query parameters the layer reads (others are dropped)."""
    kept = [(k, v) for k, v in query.multi_items() if k in layer.param_names]
    return url + ("?" + urlencode(kept) if kept else "")
