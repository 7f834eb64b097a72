"""The areas an issue filter or an export can name: the district, a sub-district, a community."""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from roads.errors import InvalidInput, NotFound

DISTRICT_NAME = "经开区"


@dataclass(frozen=True)
class Area:
    """The district (no ids), one sub-district or one community."""

    name: str = DISTRICT_NAME
    sub_district_id: int | None = None
    community_id: int | None = None

    @property
    def kind(self) -> str:
        if self.community_id is not None:
            return "community"
        return "sub_district" if self.sub_district_id is not None else "district"

    def params(self) -> dict:
        return {"sub_district_id": self.sub_district_id, "community_id": self.community_id}

    def slug(self) -> str:
        if self.community_id is not None:
            return f"community-{self.community_id}"
        if self.sub_district_id is not None:
            return f"sub-district-{self.sub_district_id}"
        return "district"


def resolve_area(
    conn: Connection, sub_district_id: int | None = None, community_id: int | None = None
) -> Area:
    """The area for the ids given; an unknown id is NotFound, a community outside the
    sub-district given with it is InvalidInput."""
    if community_id is not None:
        row = conn.execute(
            text(
                "SELECT c.name, c.sub_district_id, sd.name AS sd_name FROM public.community AS c "
                "JOIN public.sub_district AS sd ON sd.id = c.sub_district_id WHERE c.id = :id"
            ),
            {"id": community_id},
        ).one_or_none()
        if row is None:
            raise NotFound(f"no community with id {community_id}", f"未找到编号为 {community_id} 的村/社区")
        if sub_district_id is not None and sub_district_id != row.sub_district_id:
            raise InvalidInput(
                f"community {community_id} ({row.name}) is not in sub-district {sub_district_id}",
                f"{row.name}（编号 {community_id}）不属于编号为 {sub_district_id} 的办事处",
            )
        return Area(f"{row.sd_name} {row.name}", row.sub_district_id, community_id)
    if sub_district_id is not None:
        name = conn.execute(
            text("SELECT name FROM public.sub_district WHERE id = :id"), {"id": sub_district_id}
        ).scalar()
        if name is None:
            raise NotFound(f"no sub-district with id {sub_district_id}", f"未找到编号为 {sub_district_id} 的办事处")
        return Area(name, sub_district_id, None)
    return Area()


def area_from_spec(conn: Connection, spec: str) -> Area:
    """`district`, `sub-district:ID`, `community:ID`, or a sub-district or community name."""
    text_ = spec.strip()
    kind, _, value = text_.partition(":")
    if text_ in ("", "district", DISTRICT_NAME):
        return Area()
    if value.strip().isdigit() and kind.replace("_", "-") in ("sub-district", "community"):
        number = int(value)
        return resolve_area(conn, *((number, None) if kind.startswith("sub") else (None, number)))
    sub_district = conn.execute(
        text("SELECT id FROM public.sub_district WHERE name IN (:n, :n || '办事处')"), {"n": text_}
    ).scalar()
    if sub_district is not None:
        return resolve_area(conn, sub_district, None)
    found = conn.execute(
        text("SELECT id FROM public.community WHERE name = :n ORDER BY id"), {"n": text_}
    ).scalars().all()
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} communities are called {text_}; use community:ID",
            f"有 {len(found)} 个村/社区都叫“{text_}”，请用 community:编号 指明",
        )
    if not found:
        raise NotFound(
            f"no sub-district or community called {text_!r}", f"未找到名为“{text_}”的办事处或村/社区"
        )
    return resolve_area(conn, None, found[0])
