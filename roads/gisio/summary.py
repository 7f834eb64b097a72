"""What an import did, for the CLI's printout and the API's JSON."""

from dataclasses import asdict, dataclass, field


@dataclass
class ImportSummary:
    layer: str
    source_format: str = ""
    source_crs: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: list[dict] = field(default_factory=list)  # {feature, reason}
    repaired: list[dict] = field(default_factory=list)  # {feature, reason}
    outside: list[int] = field(default_factory=list)  # features outside the district
    lost_assignments: list[dict] = field(default_factory=list)  # {segment_id, road, tier, chief}
    inherited: int = 0  # new segments split off an assigned one, given its chiefs
    roads_created: int = 0
    roads_updated: int = 0
    unnamed_kept: int = 0  # unnamed lines kept under a generated name (roads.gisio.road_chains)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def reject(self, feature: int, reason: str) -> None:
        self.rejected.append({"feature": feature, "reason": reason})

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """A short human summary; rejected features grouped by reason."""
        unit = "segments" if self.layer == "roads" else "features"
        out = [
            f"{self.layer} from {self.source_format} ({self.source_crs}): read {self.read} features",
            f"{unit}: created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
            + (f", deleted {self.deleted}" if self.deleted else ""),
        ]
        if self.layer == "roads":
            out.append(f"roads: created {self.roads_created}, updated {self.roads_updated}")
            if self.inherited:
                out.append(
                    f"new segments given the chiefs of the segment they were split from: "
                    f"{self.inherited}"
                )
        if self.repaired:
            out.append(
                f"repaired {len(self.repaired)}: "
                + "; ".join(f"#{r['feature']} {r['reason']}" for r in self.repaired[:5])
            )
        if self.outside:
            shown = ", ".join(f"#{n}" for n in self.outside[:10])
            out.append(
                f"outside the district {len(self.outside)}: {shown}"
                + (" ..." if len(self.outside) > 10 else "")
            )
        reasons: dict[str, list[int]] = {}
        for item in self.rejected:
            reasons.setdefault(item["reason"], []).append(item["feature"])
        out.append(f"rejected {len(self.rejected)}" + (":" if reasons else ""))
        for reason, features in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(f"#{n}" for n in features[:5])
            out.append(
                f"  {len(features)} x {reason} ({shown}{' ...' if len(features) > 5 else ''})"
            )
        if self.lost_assignments:
            out.append(f"assignments lost with removed segments: {len(self.lost_assignments)}")
            for lost in self.lost_assignments[:10]:
                out.append(
                    f"  segment {lost['segment_id']} ({lost['road']}) tier {lost['tier']}: "
                    f"{lost['chief']}"
                )
        out.extend(self.notes)
        if self.dry_run:
            out.append("dry run: nothing written")
        return out
